"""Root's recorder: root keeps the exec's stream and the run history; a worker it forks, which
becomes the program's user, runs the programs (users.py says why the program cannot reach it).

Between the worker and root, one pipe carries the host's bytes (for the whole exec: what a worker
that restarts did not read stays in it for the next one) and another the worker's frames; root
forwards the frames to the host and records runs from them. BEGIN, FINISH and RESTART never
leave the session.
"""

from __future__ import annotations

import os
import select
import sys

from . import process
from .history import History, process_start
from .paths import RECORDS_DIR
from .protocol import (
    BEGIN,
    FINISH,
    PROJECT,
    RESTART,
    STARTED,
    STDERR,
    STDOUT,
    FrameReader,
    frame,
    literal_frame,
    read_literal,
)
from .relay import Watching
from .run import exited_frame, run_command
from .tags import kill_tree
from .users import as_program_user, become, enable_site


def record(argv: list[str]) -> int:
    """Root's half: start the worker (the program's user), forward the host's bytes to it, and
    forward its frames to the host while recording runs from them."""
    os.makedirs(RECORDS_DIR, mode=0o755, exist_ok=True)
    import ast  # noqa: F401  (the worker's record reading, loaded by root from root's files)
    import ctypes  # noqa: F401  (loaded here, each program's set_dumpable is cheap)
    return Recorder(argv).loop()


def _work(argv: list[str]) -> int:
    """The worker's part, as the program's user: the runner's own mode."""
    if argv[0] == "serve":
        from .server import Server

        return Server(argv).serve()
    run_command()


class Recorder(Watching):
    HOST_BUFFER = 1 << 20  # the host's bytes held for a worker that is not reading (then the host waits)

    def __init__(self, argv: list[str]):
        super().__init__()
        self.argv = argv
        self.pending = bytearray()
        self.history: History | None = None
        self.tag = ""
        self.restart: dict | None = None
        self.host_open = True
        # One pipe to the workers for the whole exec: what a worker that restarts did not read
        # stays in it for the next one.
        self.worker_input, self.to_worker = os.pipe()
        os.set_blocking(self.to_worker, False)
        self._watch(0, select.POLLIN)
        self._start_worker(argv, b"")

    def _start_worker(self, argv: list[str], replay: bytes) -> None:
        from_worker = os.pipe()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.dup2(self.worker_input, 0)
            os.dup2(from_worker[1], 1)
            for fd in (self.worker_input, self.to_worker, *from_worker):
                os.close(fd)
            assert process.account is not None  # (main checked it before recording)
            become(process.account)
            enable_site(user_site=False)  # the program user's own folder never: see users.add_user_site
            process.recorded, process.replay = True, replay
            os._exit(_work(argv))
        os.close(from_worker[1])
        self.worker, self.from_worker = pid, from_worker[0]
        self.reader = FrameReader()
        self._watch(self.from_worker, select.POLLIN)
        self._flush()

    def loop(self) -> int:
        while True:
            for fd, _ in self.poll.poll():
                if fd == self.from_worker:
                    data = os.read(fd, 65536)
                    if data:
                        for kind, payload in self.reader.feed(data):
                            try:
                                self._from_worker(kind, payload)
                            except (ValueError, SyntaxError, KeyError, TypeError, AttributeError):
                                pass  # a malformed frame from the worker is dropped, never trusted
                        continue
                    code = self._worker_ended()
                    if self.restart is None:
                        return code
                    restart, self.restart = self.restart, None
                    self._start_worker([*self.argv[:3], *restart["args"]], restart["replay"])
                elif fd == 0:
                    self._from_host()
                elif fd == self.to_worker:
                    self._flush()

    def _from_host(self) -> None:
        data = os.read(0, 65536)
        if not data:  # the host has gone: so has the worker's client
            self._watch(0, 0)
            self.host_open = False
        self.pending += data
        self._flush()

    def _flush(self) -> None:
        try:
            while self.pending and self.to_worker >= 0:
                del self.pending[:os.write(self.to_worker, self.pending)]
        except BlockingIOError:
            pass
        if self.to_worker >= 0:
            self._watch(self.to_worker, select.POLLOUT if self.pending else 0)
        if self.host_open:  # back-pressure: the host waits while the worker is not reading
            self._watch(0, 0 if len(self.pending) > self.HOST_BUFFER else select.POLLIN)
        elif not self.pending and self.to_worker >= 0:  # the worker sees its client's end
            self._watch(self.to_worker, 0)
            os.close(self.to_worker)
            self.to_worker = -1

    def _from_worker(self, kind: bytes, payload: bytes) -> None:
        if kind == BEGIN and self.history is None:
            begun = read_literal(payload)
            meta, code = begun["meta"], begun["code"]
            if not isinstance(meta, dict) or not isinstance(code, str):
                return
            # the record's writer is this process: while it lives the run is going, not lost
            meta.update(runner_pid=os.getpid(), runner_start=process_start(os.getpid()))
            self.history = History(meta, code)
            self.tag = str(meta.get("tag", ""))
            self.history.start()
        elif kind == STARTED and self.history is not None:
            process.send(literal_frame(STARTED, {**read_literal(payload), "id": self.history.meta["id"]}))
        elif kind == FINISH and self.history is not None:
            finished = read_literal(payload)
            history, self.history = self.history, None
            history.finish(dict(finished["outcome"]))
            if finished["report"]:
                process.send(exited_frame(history.meta, finished["outcome"], finished["warm"]))
        elif kind == RESTART and self.history is None:  # only between runs
            restart = read_literal(payload)
            self.restart = {"args": ["--cold"] if restart["cold"] else [], "replay": bytes(restart["replay"])}
        elif kind == PROJECT and self.history is None:  # only before a run: its project's record
            from .seeding import keep_record

            keep_record(read_literal(payload))
        elif kind not in (BEGIN, FINISH, RESTART, PROJECT):
            if self.history is not None and kind in (STDOUT, STDERR):
                self.history.output(kind, payload)
            process.send(frame(kind, payload))

    def _worker_ended(self) -> int:
        self._watch(self.from_worker, 0)
        os.close(self.from_worker)
        _, status = os.waitpid(self.worker, 0)
        if self.history is not None:  # killed mid-run: its program must not outlive it (the record says lost)
            as_program_user(lambda: kill_tree(self.tag, {os.getpid()}))
            self.history = None
        code = os.waitstatus_to_exitcode(status)
        return 128 - code if code < 0 else code
