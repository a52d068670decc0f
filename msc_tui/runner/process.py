"""This process: what it is (set once, at start or in a fork) and its stream to the client.

Root's recorder keeps the history and a worker that has become the program's user runs the
programs (recorder.py); in a session made by an older version the runner runs as that user and
writes its own records (a legacy writer).
"""

from __future__ import annotations

import os
import select

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    import pwd

recorded = False  # this process is a worker whose runs root's recorder keeps
legacy_writer = False  # this process runs programs and keeps their records itself (an older session)
replay = b""  # a fresh worker's first bytes: the request the worker before it had in hand
account: pwd.struct_passwd | None = None  # the program user's, once root has checked it can become that user
client_gone = False  # the client's stream is closed: frames to it are dropped


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            select.select([], [fd], [], 1.0)


def send(data: bytes) -> None:
    """To the client; once it is gone, frames are dropped (the run's history still has them)."""
    global client_gone
    if client_gone:
        return
    try:
        write_all(1, data)
    except OSError:
        client_gone = True
