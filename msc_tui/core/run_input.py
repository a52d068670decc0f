"""What a run's caller gives it: the session file's name, checked, and the program's input,
signals and a kill while it goes."""

from __future__ import annotations

import asyncio
import marshal
import re

from ..errors import UsageError
from ..runner import protocol as runner

MAX_FILENAME = 200


def check_filename(name: str) -> str:
    """Every face's check of a session file name: a relative path ending in .py, inside /app."""
    if len(name) > MAX_FILENAME:
        raise UsageError(f"session file name too long ({len(name)} characters; at most {MAX_FILENAME})")
    if not re.fullmatch(r"[\w.-]+(/[\w.-]+)*\.py", name) or ".." in name.split("/"):
        raise UsageError(f"bad session file name {name!r} (a relative path ending in .py)")
    return name


class RunInput:
    """What a run's caller sends while it goes: the program's input, EOF, signals, a kill.

    Safe to call before the run has started (frames wait) and after it ended (dropped)."""

    def __init__(self, data: bytes | str | None = None, eof: bool = False):
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()
        if data:
            self.send(data)
        if eof:
            self.eof()

    def send(self, data: bytes | str) -> None:
        self.frames.put_nowait(runner.frame(runner.INPUT, data.encode() if isinstance(data, str) else data))

    def eof(self) -> None:
        self.frames.put_nowait(runner.frame(runner.EOF))

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to the program's process group (KeyboardInterrupt in Python)."""
        self.frames.put_nowait(runner.frame(runner.SIGNAL, b"2"))

    def kill(self) -> None:
        """End the program's whole process tree."""
        self.frames.put_nowait(runner.frame(runner.KILL))

    def resize(self, rows: int, cols: int) -> None:
        self.frames.put_nowait(runner.frame(runner.RESIZE, marshal.dumps({"rows": rows, "cols": cols}, 4)))
