"""Where a command's text goes and its input comes from: this process's own streams, or (in
the run agent) those of the `msc` process that asked, one per request."""

from __future__ import annotations

import os
import sys
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Callable, Protocol


class Stream(Protocol):
    """Where a command's text goes: a text file, or (in the run agent) frames to the asking process."""

    def write(self, text: str, /) -> int: ...

    def flush(self) -> None: ...


@dataclass
class Console:
    out: Stream
    err: Stream
    stdin_isatty: bool
    read_code: Callable[[int], bytes]  # `msc run -`: the code, up to n bytes
    program_input: Callable  # (RunInput, forward_stdin, raw_terminal) -> an object with start()/stop()
    output_files: frozenset[tuple[int, int]] = frozenset()  # where its stdout/stderr go: never sent with a project
    stdout_isatty: bool = False  # a terminal shows the program's output (so it may colour it)
    term: str = ""  # that terminal's TERM


_current: ContextVar[Console | None] = ContextVar("console", default=None)


def current() -> Console:
    found = _current.get()
    if found is None:
        from ..core.travel import output_files
        from .program_input import ProgramInput

        found = Console(sys.stdout, sys.stderr, sys.stdin.isatty(), lambda n: sys.stdin.buffer.read(n), ProgramInput,
                        output_files(), sys.stdout.isatty(), os.environ.get("TERM", ""))
    return found


def use(console: Console) -> None:
    """For the rest of this task (and the tasks it starts)."""
    _current.set(console)


def stdout() -> Stream:
    return current().out


def stderr() -> Stream:
    return current().err
