"""The runner's side of a run while the program goes: the client's frames in (input, signals, a
kill, a resize), the program's output out as frames and into the history, until it ends."""

from __future__ import annotations

import marshal
import os
import select
import sys
import time

from . import process
from .protocol import EOF, INPUT, KILL, RESIZE, SIGNAL, STDERR, STDOUT, FrameReader, frame
from .tags import kill_tree

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    import signal

    from .history import AnnouncedHistory, History
else:
    import _signal as signal  # the C module: `signal` itself imports enum (milliseconds per run)

POLL_S = 0.05


class Watching:
    """A poll that remembers the events wanted on each fd."""

    def __init__(self) -> None:
        self.poll = select.poll()
        self.events: dict[int, int] = {}

    def _watch(self, fd: int, events: int) -> None:
        """Set the events wanted on fd (0: none)."""
        if events:
            self.poll.register(fd, events)
            self.events[fd] = events
        elif fd in self.events:
            self.poll.unregister(fd)
            del self.events[fd]


class Relay(Watching):
    """The parent's loop: client frames in, program output out, until the program ends."""

    def __init__(self, config: dict, pid: int, fds: dict[str, int], history: History | AnnouncedHistory, tag: str,
                 reader: FrameReader):
        self.pid = pid
        self.tag = tag
        self.history = history
        super().__init__()
        self.tty = bool(config.get("tty"))
        self.reader = reader  # the client's stream: what follows this run stays in it
        self.pending_input = bytearray()
        self.input_eof = False
        self.outcome: dict = {"timed_out": False, "cancelled": False}
        self.status: int | None = None
        timeout = config.get("timeout")
        self.deadline = time.monotonic() + timeout if timeout else None
        if self.tty:
            self.stdin_fd = fds["master"]
            self.outputs = {fds["master"]: STDOUT}
        else:
            self.stdin_fd = fds["stdin"]
            self.outputs = {fds["stdout"]: STDOUT, fds["stderr"]: STDERR}
        os.set_blocking(self.stdin_fd, False)
        for fd in self.outputs:
            self._watch(fd, select.POLLIN)
        self._watch(0, select.POLLIN)
        self.client_open = True
        self.pidfd: int | None
        try:
            self.pidfd = os.pidfd_open(pid)
            self._watch(self.pidfd, select.POLLIN)
        except (AttributeError, OSError):  # an old kernel: poll for the exit instead
            self.pidfd = None
        self.feed_client(config.get("_rest", b""))

    def loop(self) -> dict:
        exited_at = None
        while True:
            if self.status is None and self.pidfd is None:
                self._reap()
            if self.status is not None:
                exited_at = exited_at or time.monotonic()
                # Output still in the pipes is read; a background child holding them open
                # is not waited for long.
                if not self.outputs or time.monotonic() - exited_at > 0.2:
                    break
            wait = POLL_S if self.pidfd is None or self.status is not None else None
            if self.deadline is not None:
                left = max(0.0, self.deadline - time.monotonic())
                wait = left if wait is None else min(wait, left)
                if left == 0 and self.status is None:
                    self.outcome["timed_out"] = True
                    self.deadline = None
                    self.kill()
                    continue
            for fd, revents in self.poll.poll(None if wait is None else wait * 1000):
                if revents & select.POLLOUT:
                    self._flush_input()
                if not revents & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    continue
                if fd in self.outputs:
                    self._output(fd)
                elif fd == 0:
                    self._client()
                elif fd == self.pidfd:
                    self._watch(self.pidfd, 0)
                    os.close(self.pidfd)
                    self._reap(block=True)
        return self.outcome

    def _reap(self, block: bool = False) -> None:
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            code = os.waitstatus_to_exitcode(status)
            self.status = 128 - code if code < 0 else code

    def _output(self, fd: int) -> None:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: a pty whose other side closed
            data = b""
        if not data:
            self._watch(fd, 0)
            del self.outputs[fd]
            return
        kind = self.outputs[fd]
        process.send(frame(kind, data))
        self.history.output(kind, data)

    def _client(self) -> None:
        data = os.read(0, 65536)
        if not data:  # the client is gone (msc killed, connection lost): end the run as Ctrl-C twice would
            self._watch(0, 0)
            self.client_open = False
            if self.status is None:
                self.outcome["cancelled"] = True
                self.kill()
            return
        self.feed_client(data)

    def feed_client(self, data: bytes) -> None:
        for kind, payload in self.reader.feed(data):
            if kind == INPUT and not self.input_eof:
                self.pending_input += payload
                self._flush_input()
            elif kind == EOF:
                self.input_eof = True
                self._flush_input()
            elif kind == SIGNAL:
                self._signal(int(payload))
            elif kind == KILL and self.status is None:
                self.outcome["cancelled"] = True
                self.kill()
            elif kind == RESIZE and self.tty:
                set_size(self.stdin_fd, marshal.loads(payload))

    def _flush_input(self) -> None:
        if self.stdin_fd < 0:
            return
        try:
            while self.pending_input:
                del self.pending_input[:os.write(self.stdin_fd, self.pending_input)]
        except BlockingIOError:
            pass
        except OSError:  # the program closed its stdin or exited: input is dropped
            self.pending_input.clear()
        # Watch the program's stdin for room only while input waits (a pty is also an output).
        wanted = (self.events.get(self.stdin_fd, 0) & select.POLLIN) | (select.POLLOUT if self.pending_input else 0)
        if wanted != self.events.get(self.stdin_fd, 0):
            self._watch(self.stdin_fd, 0)
            self._watch(self.stdin_fd, wanted)
        if self.input_eof and not self.pending_input:
            if self.tty:
                _write_all_quiet(self.stdin_fd, b"\x04")  # the terminal's EOF (ctrl+d)
            else:
                self._watch(self.stdin_fd, 0)
                os.close(self.stdin_fd)
                self.stdin_fd = -1

    def _signal(self, number: int) -> None:
        try:
            os.killpg(self.pid, number)
        except OSError:
            pass

    def kill(self) -> None:
        # The child itself first, by pid (not reaped yet, so it is still ours): just after the
        # fork it may not have its own group (setsid) or tag yet, and both of those would miss it.
        for kill in (os.kill, os.killpg):
            try:
                kill(self.pid, signal.SIGKILL)
            except OSError:
                pass
        kill_tree(self.tag, {os.getpid()})
        self._reap(block=True)


def _write_all_quiet(fd: int, data: bytes) -> None:
    try:
        os.write(fd, data)
    except OSError:
        pass


def set_size(fd: int, size: dict) -> None:
    import fcntl
    import termios

    rows, cols = int(size.get("rows") or 24), int(size.get("cols") or 80)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, b"".join(n.to_bytes(2, sys.byteorder) for n in (rows, cols, 0, 0)))


def open_streams(config: dict) -> tuple[dict[str, int], dict[str, int]]:
    """(the child's ends, the parent's ends) of the program's stdin/stdout/stderr."""
    if config.get("tty"):
        import pty

        master, slave = pty.openpty()
        set_size(master, config.get("size") or {})
        return {"slave": slave}, {"master": master}
    child_in, parent_in = os.pipe()
    parent_out, child_out = os.pipe()
    parent_err, child_err = os.pipe()
    return ({"in": child_in, "out": child_out, "err": child_err},
            {"stdin": parent_in, "stdout": parent_out, "stderr": parent_err})
