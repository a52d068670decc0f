"""The warm server (`serve`): runs, one at a time, over one exec that a long-lived client (the
TUI, the Python API, the run agent) keeps open, with the third-party modules recent runs
imported already loaded in each program (a fresh fork per run)."""

from __future__ import annotations

import marshal
import os
import select
import sys
import time

from . import process
from .history import read_meta, run_dir, run_ids
from .paths import IMPORTS_DIR, STATE_DIR
from .program import third_party_roots
from .protocol import CONFIG, RESTART, WARM_UNAVAILABLE, FrameReader, frame, literal_frame
from .run import read_config, run_program
from .warming import (
    can_retag,
    fork_hazard,
    memory_limit,
    prune_import_hints,
    read_import_hints,
    rss_bytes,
    third_party,
    unsafe_modules,
    write_unsafe_modules,
)

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    from typing import NoReturn

WARM_FROM_RUNS = 20  # the imports of the last successful runs among these are preloaded
MAX_WARM_MODULES = 40
IDLE_EXIT_S = 900.0  # a server with no request for this long exits (the client opens another)
# Known to leave state at import that a fork cannot carry (threads, sockets, device contexts)
# in ways the checks below cannot see.
NEVER_PRELOAD = {"tensorflow": "native threads at import", "jax": "native threads at import",
                 "jaxlib": "native threads at import", "grpc": "not fork-safe",
                 "ray": "starts services", "torch": "GPU contexts are not fork-safe"}


class Server:
    """serve BY FACE [--pending FILE] [--cold]: runs, one at a time, over one exec.

    Between runs it preloads the third-party modules that recent successful runs used, so a
    program (a fresh fork per run: no run sees another's globals, files or state) starts with
    them imported. What a fork cannot carry is detected after each import (a Python thread,
    an open socket) and never preloaded again; NEVER_PRELOAD names the known others. When
    packages change (site-packages changed since the imports) or the imports outgrow half the
    session's memory limit, the server re-executes itself clean (the request that noticed
    goes along) and warms again.
    """

    def __init__(self, argv: list[str]):
        self.argv = argv[:3]
        self.reader = FrameReader()
        self.cold = "--cold" in argv or not hasattr(sys, "orig_argv")
        self.pending = argv[argv.index("--pending") + 1] if "--pending" in argv else None
        self.preloaded: list[str] = []
        self.tried: set[str] = set()
        self.stamp: list | None = None
        self.idle_s = IDLE_EXIT_S
        self.warm = True

    def serve(self) -> int:
        if not can_retag():
            return WARM_UNAVAILABLE
        self.reader.buffer += process.replay
        config = self._take_pending()
        while True:
            if config is None:
                config = read_config(self.reader, self._wait_for_input)
                if config is None:
                    return 0
            if self.preloaded and self._site_stamp() != self.stamp:
                self._restart(config)
            self.idle_s = config.get("idle_s") or IDLE_EXIT_S
            self.warm = config.get("warm_imports", True)
            if not run_program(config, os.urandom(8).hex(), self.reader, tuple(self.preloaded)):
                return 0
            config = None

    def _take_pending(self) -> dict | None:
        if not self.pending:
            return None
        try:
            with open(self.pending, "rb") as f:
                config = marshal.load(f)
            os.unlink(self.pending)
        except (OSError, EOFError, ValueError, TypeError):
            return None
        return config

    def _wait_for_input(self) -> bool:
        """Preload while no request waits; True when one does, False after idle_s without."""
        todo = self._wanted()
        deadline = time.monotonic() + self.idle_s
        while True:
            wait = 0 if todo else max(0.0, deadline - time.monotonic())
            if select.select([0], [], [], wait)[0]:
                return True
            if todo:
                self._preload(todo.pop(0))
                if not todo:
                    self._check_size()
            elif time.monotonic() >= deadline:
                return False

    def _wanted(self) -> list[str]:
        if self.cold or not self.warm:
            return []
        prune_import_hints()
        unsafe = unsafe_modules()
        names: list[str] = []
        for run_id in reversed(run_ids()[-WARM_FROM_RUNS:]):
            meta = read_meta(run_id)
            if not meta or meta.get("exit_code") != 0:
                continue
            used = read_import_hints(os.path.join(IMPORTS_DIR, str(meta.get("tag"))) if meta.get("format") == 2
                                     else os.path.join(run_dir(run_id), "imports"))
            for name in used:
                if (name.isidentifier() and name not in names
                        and name not in unsafe and name not in NEVER_PRELOAD and name not in self.tried):
                    names.append(name)
        return names[:max(0, MAX_WARM_MODULES - len(self.preloaded))]

    def _preload(self, name: str) -> None:
        self.tried.add(name)
        if self.stamp is None:
            self.stamp = self._site_stamp()
        if not third_party(name):  # the hints are the program's to write: nothing else is imported
            return
        fds_before = set(os.listdir("/proc/self/fd"))
        # The client's stream: nothing imported may read it or write to it (a subprocess started at
        # import inherits 0, 1 and 2), nor start in /app.
        saved = os.dup(0), os.dup(1), os.dup(2)
        for fd in saved:
            os.set_inheritable(fd, False)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        here = os.getcwd()
        os.chdir("/")
        try:
            __import__(name)
            imported = True
        except BaseException:  # a module that fails to import (or exits) is simply not preloaded
            imported = False
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            for fd, original in enumerate(saved):
                os.dup2(original, fd)
            for fd in (*saved, null):
                os.close(fd)
            os.chdir(here)
        if not imported:
            return
        hazard = fork_hazard(fds_before)
        if hazard:
            unsafe = unsafe_modules()
            unsafe[name] = hazard
            try:
                os.makedirs(STATE_DIR, exist_ok=True)
                write_unsafe_modules(unsafe)
            except OSError:
                self.cold = True  # cannot remember it: stay cold rather than hit it again
            self._restart(None)
        self.preloaded.append(name)

    def _check_size(self) -> None:
        limit = memory_limit()
        if limit and rss_bytes() * 2 > limit:
            self._restart(None, cold=True)

    @staticmethod
    def _site_stamp() -> list:
        stamp: list[int | None] = []
        for root in third_party_roots():
            try:
                stamp.append(os.stat(root).st_mtime_ns)
            except OSError:
                stamp.append(None)
        return stamp

    def _restart(self, config: dict | None, cold: bool = False) -> NoReturn:
        """Become a fresh server (nothing imported); `config`, the request in hand, goes along."""
        if process.recorded:  # root's recorder starts a fresh worker (an exec'd one would be dumpable) and
            # hands it the request in hand (a file would be the program's to rewrite)
            replay = b""
            if config is not None:
                rest = config.pop("_rest", b"")
                replay = frame(CONFIG, marshal.dumps(config)) + rest
            sys.stdout.flush()
            process.send(literal_frame(RESTART, {"cold": cold or self.cold, "replay": replay}))
            os._exit(0)
        args = list(self.argv)
        if config is not None:
            os.makedirs(STATE_DIR, exist_ok=True)
            self.pending = os.path.join(STATE_DIR, f"serve-{os.getpid()}.pending")
            with open(self.pending, "wb") as f:
                marshal.dump(config, f)
            args += ["--pending", self.pending]
        if cold or self.cold:
            args.append("--cold")
        sys.stdout.flush()
        boot = sys.orig_argv[1:sys.orig_argv.index("serve")]
        os.execv(sys.executable, [sys.executable, *boot, *args])
