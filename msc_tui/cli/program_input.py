"""`msc run`'s own stdin and Ctrl-C, handed to the program in the session.

A terminal or a pipe is read as it becomes readable (add_reader: nothing blocks at exit), a
regular file or /dev/null in a worker thread. Ctrl-C interrupts the program (KeyboardInterrupt), a second
one kills its whole process tree, a third stops waiting. With --tty the terminal is raw: every
key, Ctrl-C included, goes to the program's terminal in the session.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import TYPE_CHECKING

from ..core.run_input import RunInput

if TYPE_CHECKING:
    from _typeshed import SupportsWrite


def terminal_size() -> dict:
    size = os.get_terminal_size(sys.stdout.fileno()) if sys.stdout.isatty() else os.terminal_size((80, 24))
    return {"rows": size.lines, "cols": size.columns}


class ProgramInput:
    def __init__(self, controls: RunInput, forward_stdin: bool, raw_terminal: bool = False,
                 err: SupportsWrite[str] | None = None):
        self.controls = controls
        self.err = sys.stderr if err is None else err  # the asking console's, for its one warning
        self.forward_stdin = forward_stdin
        self.raw_terminal = raw_terminal
        self.interrupts = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reading = False
        self._saved_mode: list | None = None  # termios attributes while the terminal is raw
        self._task: asyncio.Task | None = None
        self._file_reader: asyncio.Task | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._loop.add_signal_handler(signal.SIGINT, self._interrupt)
        if not self.forward_stdin:
            self.controls.eof()
            return
        if self.raw_terminal:
            import termios
            import tty

            self._saved_mode = termios.tcgetattr(0)
            tty.setraw(0)
            self._loop.add_signal_handler(signal.SIGWINCH, self._resized)
        try:
            self._loop.add_reader(0, self._readable)
            self._reading = True
        except PermissionError:  # a regular file or /dev/null: reads never block, a thread will do
            self._file_reader = self._loop.create_task(self._read_file())

    def _readable(self) -> None:
        try:
            data = os.read(0, 65536)
        except OSError:
            data = b""
        if data:
            self.controls.send(data)
        else:
            self._stop_reading()
            self.controls.eof()

    async def _read_file(self) -> None:
        while data := await asyncio.to_thread(os.read, 0, 1 << 20):
            self.controls.send(data)
        self.controls.eof()

    def _resized(self) -> None:
        size = terminal_size()
        self.controls.resize(size["rows"], size["cols"])

    def _interrupt(self) -> None:
        self.interrupts += 1
        if self.interrupts == 1:
            self.controls.interrupt()
        elif self.interrupts == 2:
            print("\nmsc: second Ctrl-C: killing the program's process tree", file=self.err)
            self.controls.kill()
        elif self._task is not None:
            self._task.cancel()  # the session does not answer: stop waiting (it is killed from outside)

    def _stop_reading(self) -> None:
        if self._reading and self._loop is not None:
            self._loop.remove_reader(0)
            self._reading = False

    def stop(self) -> None:
        if self._loop is None:
            return
        self._stop_reading()
        if self._file_reader is not None:
            self._file_reader.cancel()
        self._loop.remove_signal_handler(signal.SIGINT)
        if self._saved_mode is not None:
            import termios

            termios.tcsetattr(0, termios.TCSADRAIN, self._saved_mode)
            self._loop.remove_signal_handler(signal.SIGWINCH)
