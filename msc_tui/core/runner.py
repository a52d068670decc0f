"""The session runner: the one program msc places in every session (standard library only).

msc copies this file into the container (/opt/msc, root-owned) the first time it needs it,
so sessions made by older versions get it too. msc runs it in one of these modes (one exec
each): run, serve and stop as root, who keeps the records and hands programs to a worker
that becomes the session's user (see "root's recorder" below; in sessions made by older
versions, the session's user runs every mode); the others as the session's user:

  run        read a config frame, fork the program, relay its input and output as frames,
             and keep the run's record and output in the session (the run history)
  serve      the warm path: run after run over one exec that a long-lived client (the TUI,
             the Python API) keeps open; between runs it imports the third-party modules
             that recent successful runs imported, so each program, a fresh fork, starts
             with them loaded (see "warm runs" below)
  follow     stream runs as they happen: those going (from their start) and every new one
  logs ID    one run's record and output (--follow: until it ends)
  history    the recorded runs as JSON
  stop ID    end another client's run (its whole process tree)

The program is a fork of the runner, not a new interpreter: a run costs one exec, as a bare
`python3 -c` does. Its whole process tree carries the exec's tag (MSC_EXEC_TAG) in its
environment, so a kill finds daemons too; processes are frozen before they are killed so
that a fork bomb cannot outrun the kill.

Frames, both ways: 1 byte kind, 4 bytes big-endian length, payload. Structured payloads
from the host are marshal data (the host is trusted); those to the host, and the records on
disk, are Python literals (repr) that readers parse with ast.literal_eval, which is safe for
whatever the session's code may have written there. The host imports this module for the
frame helpers and constants (one implementation of the protocol).

Speed: a run must cost about what a bare `python3 -c` exec costs, so the run path imports
only modules the interpreter has loaded at start or that are built in, and the program ends
as the interpreter would (threads joined, atexit, __main__'s objects released, streams
flushed) but without tearing down every module.
"""

from __future__ import annotations

import _signal as signal  # the C module: `signal` itself imports enum (milliseconds per run)
import marshal
import os
import select
import sys
import time

# Every folder hangs off one root, so tests drive the runner as a local subprocess
# (MSC_RUNNER_ROOT=<a temp folder>); in a session it is unset and the root is /.
_ROOT = os.environ.get("MSC_RUNNER_ROOT", "").rstrip("/")
APP_DIR = _ROOT + "/app"
PROGRAM_USER = os.environ.get("MSC_RUNNER_USER", "appuser")  # who programs run as ("": whoever runs this)
PROJECT_MARK = _ROOT + "/opt/msc/project/current"  # links to the fingerprint of /app's project (core/manifest.py)
STATE_DIR = _ROOT + "/home/appuser/.msc"  # the program user's: warm-server state
# The run history. Root's recorder is its only writer (the program cannot alter it); sessions
# without the capabilities for that (made by older versions) keep it in the program user's folder.
RECORDS_DIR = _ROOT + "/var/lib/msc/runs"
LEGACY_RUNS_DIR = STATE_DIR + "/runs"
RECORD_FORMAT = 2  # in every run's meta: 2 = written by root's recorder
KEEP_RUNS = 100
SEGMENT_BYTES = 256 * 1024
KEEP_SEGMENTS = 4  # with SEGMENT_BYTES: the last 1 MiB of each run's output is kept
POLL_S = 0.05
TAG_VARIABLE = "MSC_EXEC_TAG"
MISSING_EXIT = 199  # the bootstrap's exit code when this module is not in the container

# client -> runner
CONFIG, INPUT, EOF, SIGNAL, KILL, RESIZE = b"C", b"I", b"E", b"S", b"K", b"W"
# runner -> client (a run)
STARTED, STDOUT, STDERR, EXITED, WARNING = b"R", b"1", b"2", b"X", b"!"
# runner -> client (follow / logs): output frames carry the run id first (4 bytes)
HEAD, OUT_OF, ERR_OF, END = b"H", b"o", b"e", b"Z"
CHANGED = b"F"  # a .py file under /app changed (saved or run by anyone): {"file", "mtime"}
# worker -> root's recorder (never forwarded): a run begins {meta, code}; a run ends {outcome, report}
BEGIN, FINISH, RESTART = b"b", b"f", b"r"  # RESTART {cold, replay}: a fresh worker, given these bytes first
LEGACY_EXIT = 197  # root cannot become the program's user here: run the runner as that user
FILES_EVERY_S = 0.5
MAX_WATCHED = 2000

HEADER_SIZE = 5

# warm runs (serve)
WARM_FROM_RUNS = 20  # the imports of the last successful runs among these are preloaded
MAX_WARM_MODULES = 40
IDLE_EXIT_S = 900.0  # a server with no request for this long exits (the client opens another)
UNSAFE_FILE = STATE_DIR + "/warm-unsafe"  # {module: why it is never preloaded}
IMPORTS_DIR = STATE_DIR + "/warm-imports"  # {tag}: what a recorded run imported (a preload hint only)
# Known to leave state at import that a fork cannot carry (threads, sockets, device contexts)
# in ways the checks below cannot see.
NEVER_PRELOAD = {"tensorflow": "native threads at import", "jax": "native threads at import",
                 "jaxlib": "native threads at import", "grpc": "not fork-safe",
                 "ray": "starts services", "torch": "GPU contexts are not fork-safe"}


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


def literal_frame(kind: bytes, data) -> bytes:
    """A structured payload for the host (and for the records on disk): a Python literal."""
    return frame(kind, repr(data).encode())


def read_literal(payload: bytes):
    import ast

    return ast.literal_eval(payload.decode("utf-8", "replace"))


def run_id_prefix(run_id: int) -> bytes:
    return run_id.to_bytes(4, "big")


class FrameReader:
    """Splits a byte stream into (kind, payload) frames; partial frames wait for more."""

    def __init__(self):
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[bytes, bytes]]:
        self.buffer += data
        frames = []
        while len(self.buffer) >= HEADER_SIZE:
            end = HEADER_SIZE + int.from_bytes(self.buffer[1:HEADER_SIZE], "big")
            if len(self.buffer) < end:
                break
            frames.append((bytes(self.buffer[:1]), bytes(self.buffer[HEADER_SIZE:end])))
            del self.buffer[:end]
        return frames


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view):]
        except BlockingIOError:
            select_write(fd)


def select_write(fd: int) -> None:
    select.select([], [fd], [], 1.0)


_client_gone = False


def _send(data: bytes) -> None:
    """To the client; once it is gone, frames are dropped (the run's history still has them)."""
    global _client_gone
    if _client_gone:
        return
    try:
        _write_all(1, data)
    except OSError:
        _client_gone = True


# -- history on disk ---------------------------------------------------------------------------
def _run_dir(run_id: int) -> str:
    return os.path.join(runs_dir(), f"{run_id:06d}")


def run_ids() -> list[int]:
    try:
        return sorted(int(n) for n in os.listdir(runs_dir()) if n.isdigit())
    except FileNotFoundError:
        return []


def _read_literal_file(path: str):
    try:
        with open(path, "rb") as f:
            return read_literal(f.read())
    except (OSError, ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def read_meta(run_id: int) -> dict | None:
    meta = _read_literal_file(os.path.join(_run_dir(run_id), "meta"))
    return meta if isinstance(meta, dict) else None


def _write_literal(path: str, data) -> None:
    temp = f"{path}.{os.getpid()}.tmp"
    with open(temp, "w") as f:
        f.write(repr(data))
    os.replace(temp, path)


def runs_dir() -> str:
    """Root's recorder writes the records; an older session's runner (the program's user) writes
    its own in its user's folder; a reader takes whichever there is (asked again on each look, so a
    follower started before a session's first run sees it)."""
    if os.getuid() == 0:
        return RECORDS_DIR
    if _legacy_writer or (os.path.isdir(LEGACY_RUNS_DIR) and not os.path.isdir(RECORDS_DIR)):
        return LEGACY_RUNS_DIR
    return RECORDS_DIR


def going_dir() -> str:
    """One small file per run going: who, which file."""
    return os.path.join(runs_dir(), "going")


def _process_start(pid: int) -> str | None:
    """The kernel's start time of a process (tells a live runner from a reused pid)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _settled(run_id: int, meta: dict) -> tuple[dict, str]:
    """A record and its state. A writer gone since `meta` was read may have written the end just
    before it went: read again before calling the run lost."""
    state = run_state(meta)
    if state == "lost":
        meta = read_meta(run_id) or meta
        state = run_state(meta)
    return meta, state


def run_state(meta: dict) -> str:
    """going, finished, or lost (its runner died without writing the end: engine restart, kill -9)."""
    if "exit_code" in meta:
        return "finished"
    alive = _process_start(meta.get("runner_pid", 0)) == meta.get("runner_start")
    return "going" if alive else "lost"


class History:
    """One run's record and output in the session. Every write may fail (full disk,
    read-only folder): the run goes on and the client gets one warning."""

    def __init__(self, meta: dict, code: str):
        self.meta = meta
        self.code = code
        self.failed: str | None = None
        self.segment = 0
        self.segment_size = 0
        self.fd: int | None = None
        self.dir = ""
        try:
            os.makedirs(runs_dir(), exist_ok=True)
            ids = run_ids()
            run_id = ids[-1] + 1 if ids else 1
            while True:
                try:
                    os.mkdir(_run_dir(run_id))
                    break
                except FileExistsError:
                    run_id += 1
            meta["id"] = run_id
            meta["format"] = RECORD_FORMAT if os.getuid() == 0 else 1
            self.dir = _run_dir(run_id)
        except OSError as exc:
            self._fail(exc)

    def _going_marker(self) -> str:
        return os.path.join(going_dir(), str(self.meta["id"]))

    def _fail(self, exc: OSError) -> None:
        if self.failed is None:
            self.failed = f"history not kept for this run: {exc.strerror or exc}"
            _send(frame(WARNING, self.failed.encode()))

    def start(self) -> None:
        if self.failed:
            return
        try:
            with open(os.path.join(self.dir, "code.py"), "w") as f:
                f.write(self.code)
            _write_literal(os.path.join(self.dir, "meta"), self.meta)
            os.makedirs(going_dir(), exist_ok=True)
            _write_literal(self._going_marker(), {k: self.meta[k] for k in GOING_KEYS})
            self._open_segment()
        except OSError as exc:
            self._fail(exc)
        self._prune()

    def _open_segment(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
        self.fd = os.open(os.path.join(self.dir, f"out.{self.segment}"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.segment_size = 0
        old = os.path.join(self.dir, f"out.{self.segment - KEEP_SEGMENTS}")
        if self.segment >= KEEP_SEGMENTS and os.path.exists(old):
            os.unlink(old)

    def output(self, kind: bytes, data: bytes) -> None:
        if self.failed or self.fd is None:
            return
        try:
            if self.segment_size >= SEGMENT_BYTES:
                self.segment += 1
                self._open_segment()
            chunk = frame(kind, data)
            _write_all(self.fd, chunk)
            self.segment_size += len(chunk)
        except OSError as exc:
            self._fail(exc)

    def finish(self, outcome: dict) -> None:
        self.meta.update(outcome)
        if self.failed:
            return
        try:
            if self.fd is not None:
                os.close(self.fd)
            stopped_by = os.path.join(self.dir, "stopped-by")
            if os.path.exists(stopped_by):
                with open(stopped_by) as f:
                    self.meta["stopped_by"] = f.read().strip()
                self.meta["cancelled"] = True
            _write_literal(os.path.join(self.dir, "meta"), self.meta)
            os.unlink(self._going_marker())
        except OSError as exc:
            self._fail(exc)

    def _prune(self) -> None:
        ids = run_ids()
        if len(ids) <= KEEP_RUNS:
            return
        import shutil

        for old in ids[:-KEEP_RUNS]:
            meta = read_meta(old)
            if meta is None or run_state(meta) != "going":
                shutil.rmtree(_run_dir(old), ignore_errors=True)
                try:
                    os.unlink(os.path.join(going_dir(), str(old)))
                except OSError:
                    pass


class _AnnouncedHistory:
    """A worker's side of a run that root's recorder keeps: the worker only announces the run
    (BEGIN); the recorder records the frames it forwards and the outcome (FINISH)."""

    failed = None

    def __init__(self, meta: dict, code: str):
        self.meta = meta
        _send(literal_frame(BEGIN, {"meta": meta, "code": code}))

    def start(self) -> None:
        pass

    def output(self, kind: bytes, data: bytes) -> None:
        pass

    def finish(self, outcome: dict) -> None:
        self.meta.update(outcome)


# -- killing a run's tree ---------------------------------------------------------------------
def tagged_pids(tag: str, exclude: set[int]) -> list[int]:
    needle = f"{TAG_VARIABLE}={tag}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in exclude:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(int(name))
        except OSError:
            pass
    return found


def kill_tree(tag: str, exclude: set[int]) -> None:
    """SIGSTOP then SIGKILL every process carrying the tag, until none is left.
    Needs no new process, so it works at the pids limit."""
    for _ in range(200):
        pids = tagged_pids(tag, exclude)
        if not pids:
            return
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        time.sleep(0.01)


# -- run ------------------------------------------------------------------------------------------
def _read_config(reader: FrameReader, wait_for_input=None) -> dict | None:
    """The next config frame (frames before it are stale controls of an earlier run), or None
    when the client has left. `wait_for_input()`, if given, returns once input is waiting
    (True) or when the caller should give up (False)."""
    data = b""  # what the reader holds already comes first (a request replayed to a fresh worker)
    while True:
        frames = reader.feed(data)
        for index, (kind, payload) in enumerate(frames):
            if kind == CONFIG:
                config = marshal.loads(payload)
                later = b"".join(frame(k, p) for k, p in frames[index + 1:])
                config["_rest"] = later + bytes(reader.buffer)
                reader.buffer.clear()
                return config
        if wait_for_input is not None and not wait_for_input():
            return None
        data = os.read(0, 65536)
        if not data:
            return None


GOING_KEYS = ("id", "by", "face", "file", "client", "runner_pid", "runner_start")


def _others(run_id: int | None, client: str) -> list[dict]:
    """Runs going in this session that another client started (usually none: nothing to parse)."""
    try:
        names = [n for n in os.listdir(going_dir()) if n.isdigit() and int(n) != run_id]
    except OSError:
        return []
    found = []
    for name in names:
        meta = _read_literal_file(os.path.join(going_dir(), name))
        if isinstance(meta, dict) and meta.get("client") != client and run_state(meta) == "going":
            found.append({k: meta.get(k) for k in ("id", "by", "face", "file")})
    return found


def _write_session_file(path: str, code: str) -> str | None:
    """The code as /app/<file> (for shells and imports); the run itself never reads it back."""
    temp = f"{path}.{os.getpid()}.msc-tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temp, "w") as f:
            f.write(code)
        os.replace(temp, path)
        return None
    except OSError as exc:
        try:  # a full disk leaves nothing half-written behind
            os.unlink(temp)
        except OSError:
            pass
        return f"could not write {path}: {exc.strerror or exc}"


# -- what a program imported, and a fork that is its own run -------------------------------------
def _third_party_roots() -> tuple[str, ...]:
    return tuple(p.rstrip("/") + "/" for p in sys.path if p.endswith(("site-packages", "dist-packages")))


def _code_names(code, found: set[str]) -> set[str]:
    found.update(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            _code_names(const, found)
    return found


def _record_imports(path: str, main, compiled, before: set[str], preloaded: tuple[str, ...]) -> None:
    """The third-party top-level modules this run used, for the warm servers to preload:
    those it imported, and the preloaded ones its code names or holds."""
    roots = _third_party_roots()
    used = {name.partition(".")[0] for name in set(sys.modules) - before
            if str(getattr(sys.modules.get(name), "__file__", None) or "").startswith(roots)}
    if preloaded:
        named = {n.partition(".")[0] for n in _code_names(compiled, set())}
        for value in list(main.__dict__.values()):
            owner = value.__name__ if isinstance(value, type(sys)) else getattr(value, "__module__", None)
            if isinstance(owner, str):
                named.add(owner.partition(".")[0])
        used |= named & set(preloaded)
    if used:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write_literal(path, sorted(used))


def _retag(tag: str) -> None:
    """Give this process (and so its whole future tree) its own kill tag. Children read the
    environment the interpreter keeps (os.environ); a kill scans /proc/PID/environ, which shows
    the process's original environment block, so the tag is rewritten there too, in place."""
    old = os.environ.get(TAG_VARIABLE, "")
    os.environ[TAG_VARIABLE] = tag
    if len(old) != len(tag):
        return
    with open("/proc/self/stat") as f:
        env_start = int(f.read().rsplit(")", 1)[1].split()[47])
    with open("/proc/self/environ", "rb") as f:
        offset = f.read().find(f"{TAG_VARIABLE}={old}\0".encode())
    if offset >= 0:
        fd = os.open("/proc/self/mem", os.O_RDWR)
        try:
            os.pwrite(fd, tag.encode(), env_start + offset + len(TAG_VARIABLE) + 1)
        finally:
            os.close(fd)


def _unshadow(preloaded: tuple[str, ...], folder: str) -> None:
    """A preloaded module that the program's own folder shadows is forgotten, so that the
    program imports its own, as a cold `python3` would."""
    for name in preloaded:
        if os.path.exists(os.path.join(folder, name + ".py")) or os.path.isdir(os.path.join(folder, name)):
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[loaded]


def _become_program(config: dict, path: str, fds: dict, preloaded: tuple[str, ...] = ()):
    """In the forked child: the program's process, as `python3 PATH` would run it. Never returns.
    `preloaded`: the modules a warm server imported before forking."""
    os.setsid()
    if config.get("tty"):
        import fcntl
        import termios

        fcntl.ioctl(fds["slave"], termios.TIOCSCTTY, 0)
        for target in (0, 1, 2):
            os.dup2(fds["slave"], target)
    else:
        os.dup2(fds["in"], 0)
        os.dup2(fds["out"], 1)
        os.dup2(fds["err"], 2)
    os.closerange(3, 1024)
    # Only now, with the worker's channel closed here, may the program be dumpable again (its tree
    # is then found by tag, debuggers attach) and its user's own site-packages run their .pth files.
    if _recorded:
        _set_dumpable(1)
        _add_user_site()
    if config.get("_tag"):
        _retag(config["_tag"])
    if config.get("tty"):
        sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    workdir = os.path.normpath(os.path.join(APP_DIR, config.get("cwd") or ""))
    if workdir == APP_DIR or workdir.startswith(APP_DIR + "/"):  # a project's folder, never outside /app
        try:
            os.chdir(workdir)
        except OSError:
            pass
    code = config["code"]
    main = type(sys)("__main__")
    main.__file__ = path
    sys.modules["__main__"] = main
    sys.argv[:] = [path, *config.get("args", [])]
    sys.path[0] = os.path.dirname(path)
    if preloaded:
        _unshadow(preloaded, sys.path[0])
    before = set(sys.modules)
    compiled = None
    own = {__file__, "<string>"}

    def hide_runner(kind, value, tb):
        import linecache
        import traceback

        # This run's own lines, even if another run rewrote the file meanwhile (the traceback
        # module reads through linecache; the interpreter's default would read the file).
        linecache.cache[path] = (len(code), None, code.splitlines(True), path)
        while tb is not None and tb.tb_frame.f_code.co_filename in own:
            tb = tb.tb_next
        traceback.print_exception(kind, value.with_traceback(tb), tb)

    sys.excepthook = hide_runner
    try:
        compiled = compile(code, path, "exec")
        exec(compiled, main.__dict__)
        status = 0
    except SystemExit as exc:
        status = _exit_status(exc)
    except BaseException as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
        status = -signal.SIGINT if isinstance(exc, KeyboardInterrupt) else 1

    def record_imports():
        if compiled is not None and config.get("_imports"):
            _record_imports(config["_imports"], main, compiled, before, preloaded)

    _end_as_python_would(main, status, record_imports)


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _end_as_python_would(main, status: int, on_success=None):
    """The interpreter's exit, less the module teardown: join non-daemon threads, run atexit,
    release __main__'s objects (open files get flushed), flush the streams. An uncaught
    KeyboardInterrupt ends by SIGINT, as Python does. `on_success` runs before __main__ is
    released, when the program ended well."""
    threading = sys.modules.get("threading")
    try:
        if threading is not None:
            threading._shutdown()
        import atexit

        atexit._run_exitfuncs()
        if status == 0 and on_success is not None:
            try:
                on_success()
            except Exception:
                pass
        main.__dict__.clear()
    except BaseException as exc:  # Ctrl-C while joining threads: end now, as Python would
        status = -signal.SIGINT if isinstance(exc, KeyboardInterrupt) else (status or 1)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    if status == -signal.SIGINT:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    os._exit(status & 0xFF)


class _Watching:
    """A poll that remembers the events wanted on each fd."""

    def __init__(self):
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


class _Relay(_Watching):
    """The parent's loop: client frames in, program output out, until the program ends."""

    def __init__(self, config: dict, pid: int, fds: dict, history: History, tag: str, reader: FrameReader):
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
        _send(frame(kind, data))
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
                _set_size(self.stdin_fd, marshal.loads(payload))

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
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        kill_tree(self.tag, {os.getpid()})
        self._reap(block=True)


def _write_all_quiet(fd: int, data: bytes) -> None:
    try:
        os.write(fd, data)
    except OSError:
        pass


def _set_size(fd: int, size: dict) -> None:
    import fcntl
    import termios

    rows, cols = int(size.get("rows") or 24), int(size.get("cols") or 80)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, b"".join(n.to_bytes(2, sys.byteorder) for n in (rows, cols, 0, 0)))


def _open_streams(config: dict) -> tuple[dict, dict]:
    """(the child's ends, the parent's ends) of the program's stdin/stdout/stderr."""
    if config.get("tty"):
        import pty

        master, slave = pty.openpty()
        _set_size(master, config.get("size") or {})
        return {"slave": slave}, {"master": master}
    child_in, parent_in = os.pipe()
    parent_out, child_out = os.pipe()
    parent_err, child_err = os.pipe()
    return ({"in": child_in, "out": child_out, "err": child_err},
            {"stdin": parent_in, "stdout": parent_out, "stderr": parent_err})


def run_program(config: dict, tag: str, reader: FrameReader, preloaded: tuple[str, ...] = ()) -> bool:
    """One run: fork the program, relay its input and output until it ends, record it.
    `tag` marks the run's process tree; `preloaded`: what a warm server imported.
    False when the client has gone."""
    if config.get("project") and os.path.basename(os.path.realpath(PROJECT_MARK)) != config["project"]:
        _send(literal_frame(EXITED, {"project_stale": True}))  # /app holds other files: the client syncs first
        return True
    path = os.path.normpath(os.path.join(APP_DIR, config["file"]))
    started = time.time()
    own_tag = tag != os.environ.get(TAG_VARIABLE)  # a warm server's run: not the exec's tag
    meta = {"id": None, "by": config.get("by", "?"), "face": config.get("face", "?"),
            "client": config.get("client", ""), "file": config["file"], "started_at": started,
            "runner_pid": os.getpid(), "runner_start": _process_start(os.getpid()),
            "tag": tag, "warm": len(preloaded) if own_tag else None}
    history = (_AnnouncedHistory if _recorded else History)(meta, config["code"])
    if _recorded:
        config["_imports"] = os.path.join(IMPORTS_DIR, tag)
    elif not history.failed:
        config["_imports"] = os.path.join(history.dir, "imports")
    if own_tag:
        config["_tag"] = tag
    problem = _write_session_file(path, config["code"])
    if problem:
        _send(frame(WARNING, problem.encode()))
    child_ends, parent_ends = _open_streams(config)
    sys.stdout.flush()
    ooms = _oom_kills()
    pid = os.fork()
    if pid == 0:
        _become_program(config, path, child_ends, preloaded)
    for fd in child_ends.values():
        os.close(fd)
    meta["pid"] = pid
    _send(literal_frame(STARTED, {"id": meta["id"], "tag": tag, "others": _others(meta["id"], meta["client"])}))
    history.start()
    relay = _Relay(config, pid, parent_ends, history, tag, reader)
    outcome = relay.loop()
    exit_code = 124 if outcome["timed_out"] else relay.status
    outcome.update(exit_code=exit_code, duration_s=round(time.time() - started, 4), ended_at=time.time(),
                   oom_killed=exit_code == 128 + signal.SIGKILL and _oom_kills() > ooms,
                   changed_files=_changed_files(started, path))
    history.finish(outcome)
    if _recorded:
        _send(literal_frame(FINISH, {"outcome": outcome, "report": relay.client_open, "warm": meta["warm"]}))
    elif relay.client_open:
        _send(_exited_frame(history.meta, outcome, meta["warm"]))
    return relay.client_open and not _client_gone


def _exited_frame(meta: dict, outcome: dict, warm) -> bytes:
    stopped_by = meta.get("stopped_by")
    return literal_frame(EXITED, {**outcome, "cancelled": outcome["cancelled"] or bool(stopped_by),
                                  "stopped_by": stopped_by, "warm": warm})


CHANGED_SHOWN, CHANGED_WALK = 50, 20000  # a run's results listed; entries looked at, at most


def _changed_files(since: float, script: str) -> list[str]:
    """What the program created or changed under /app (its results), the script itself left out."""
    changed, seen = [], 0
    for folder, dirs, files in os.walk(APP_DIR):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".git")]
        for name in files:
            seen += 1
            full = os.path.join(folder, name)
            try:
                if full != script and os.stat(full).st_mtime >= since:
                    changed.append(os.path.relpath(full, APP_DIR))
            except OSError:
                continue
            if len(changed) >= CHANGED_SHOWN or seen >= CHANGED_WALK:
                return sorted(changed)
    return sorted(changed)


def _oom_kills() -> int:
    """The session's count of processes the kernel killed for memory (cgroup v2, else v1)."""
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path) as events:
                return next((int(line.split()[1]) for line in events if line.startswith("oom_kill ")), 0)
        except (OSError, ValueError, IndexError):
            continue
    return 0


def run_command() -> int:
    reader = FrameReader()
    config = _read_config(reader)
    if config is not None:
        run_program(config, os.environ.get(TAG_VARIABLE, ""), reader)
    os._exit(0)  # everything is written (os.write, no buffers): skip the interpreter's teardown


# -- warm runs ------------------------------------------------------------------------------------
WARM_UNAVAILABLE = 198  # serve's exit code when a fork cannot get its own kill tag here


class _Server:
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
        if not _can_retag():
            return WARM_UNAVAILABLE
        self.reader.buffer += _replay
        config = self._take_pending()
        while True:
            if config is None:
                config = _read_config(self.reader, self._wait_for_input)
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
        _prune_import_hints()
        unsafe = _unsafe_modules()
        names: list[str] = []
        for run_id in reversed(run_ids()[-WARM_FROM_RUNS:]):
            meta = read_meta(run_id)
            if not meta or meta.get("exit_code") != 0:
                continue
            used = _read_literal_file(os.path.join(IMPORTS_DIR, str(meta.get("tag"))) if meta.get("format") == 2
                                      else os.path.join(_run_dir(run_id), "imports"))
            for name in used if isinstance(used, list) else ():
                if (isinstance(name, str) and name.isidentifier() and name not in names
                        and name not in unsafe and name not in NEVER_PRELOAD and name not in self.tried):
                    names.append(name)
        return names[:max(0, MAX_WARM_MODULES - len(self.preloaded))]

    def _preload(self, name: str) -> None:
        self.tried.add(name)
        if self.stamp is None:
            self.stamp = self._site_stamp()
        if not _third_party(name):  # the hints are the program's to write: nothing else is imported
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
        hazard = _fork_hazard(fds_before)
        if hazard:
            unsafe = _unsafe_modules()
            unsafe[name] = hazard
            try:
                os.makedirs(STATE_DIR, exist_ok=True)
                _write_literal(UNSAFE_FILE, unsafe)
            except OSError:
                self.cold = True  # cannot remember it: stay cold rather than hit it again
            self._restart(None)
        self.preloaded.append(name)

    def _check_size(self) -> None:
        limit = _memory_limit()
        if limit and _rss_bytes() * 2 > limit:
            self._restart(None, cold=True)

    @staticmethod
    def _site_stamp() -> list:
        stamp = []
        for root in _third_party_roots():
            try:
                stamp.append(os.stat(root).st_mtime_ns)
            except OSError:
                stamp.append(None)
        return stamp

    def _restart(self, config: dict | None, cold: bool = False):
        """Become a fresh server (nothing imported); `config`, the request in hand, goes along."""
        if _recorded:  # root's recorder starts a fresh worker (an exec'd one would be dumpable) and
            # hands it the request in hand (a file would be the program's to rewrite)
            replay = b""
            if config is not None:
                rest = config.pop("_rest", b"")
                replay = frame(CONFIG, marshal.dumps(config)) + rest
            sys.stdout.flush()
            _send(literal_frame(RESTART, {"cold": cold or self.cold, "replay": replay}))
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


def _prune_import_hints() -> None:
    """One hint file per recorded run: past twice the runs kept, those of pruned runs go."""
    try:
        hints = os.listdir(IMPORTS_DIR)
    except OSError:
        return
    if len(hints) <= 2 * KEEP_RUNS:
        return
    kept = {str(meta.get("tag")) for meta in map(read_meta, run_ids()) if meta}
    for tag in set(hints) - kept:
        try:
            os.unlink(os.path.join(IMPORTS_DIR, tag))
        except OSError:
            pass


def _third_party(name: str) -> bool:
    """Whether `name` is a module installed in site-packages (what a warm server may preload)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    where = (spec.origin if spec and spec.has_location else None) or \
        next(iter(spec.submodule_search_locations or ()), None) if spec else None
    return bool(where) and os.path.realpath(where).startswith(_third_party_roots())


def _can_retag() -> bool:
    """Whether a fork can get its own kill tag here (rewriting the same tag, to see that it can
    be done). A worker is not dumpable, so its own /proc files are closed to it: a program,
    dumpable again, tries instead."""
    if not _recorded:
        try:
            _retag(os.environ.get(TAG_VARIABLE, ""))
            return True
        except OSError:
            return False
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1):
                os.dup2(null, fd)
            os.closerange(3, 1024)
            _set_dumpable(1)
            _retag(os.environ.get(TAG_VARIABLE, ""))
            os._exit(0)
        except BaseException:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def _unsafe_modules() -> dict:
    found = _read_literal_file(UNSAFE_FILE)
    return found if isinstance(found, dict) else {}


def _fork_hazard(fds_before: set[str]) -> str | None:
    if len(sys._current_frames()) > 1:
        return "starts a thread at import"
    for fd in set(os.listdir("/proc/self/fd")) - fds_before:
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                return "opens a socket at import"
        except OSError:
            pass
    return None


def _rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _memory_limit() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as f:
                value = f.read().strip()
        except OSError:
            continue
        return int(value) if value.isdigit() and int(value) < 1 << 60 else None
    return None


# -- reading the history ------------------------------------------------------------------------
class _Tail:
    """Reads one run's output segments as they grow (and as old ones are pruned)."""

    def __init__(self, run_id: int):
        self.id = run_id
        self.dir = _run_dir(run_id)
        self.segment = 0
        self.offset = 0
        self.reader = FrameReader()
        self.head_sent = False
        self.checked = 0.0

    def read(self) -> list[tuple[bytes, bytes]]:
        frames = []
        while True:
            path = os.path.join(self.dir, f"out.{self.segment}")
            try:
                with open(path, "rb") as f:
                    f.seek(self.offset)
                    data = f.read()
            except FileNotFoundError:
                later = self._oldest_after()
                if later is None:
                    return frames
                self.segment, self.offset, self.reader = later, 0, FrameReader()
                continue
            self.offset += len(data)
            frames += self.reader.feed(data)
            if not os.path.exists(os.path.join(self.dir, f"out.{self.segment + 1}")):
                return frames
            with open(path, "rb") as f:  # the segment is complete: take its last bytes
                f.seek(self.offset)
                frames += self.reader.feed(f.read())
            self.segment, self.offset, self.reader = self.segment + 1, 0, FrameReader()

    def _oldest_after(self) -> int | None:
        try:
            numbers = [int(n.split(".")[1]) for n in os.listdir(self.dir) if n.startswith("out.")]
        except FileNotFoundError:
            return None
        later = [n for n in numbers if n > self.segment]
        return min(later) if later else None

    def code(self) -> str:
        try:
            with open(os.path.join(self.dir, "code.py")) as f:
                return f.read()
        except OSError:
            return ""


def _py_files() -> dict[str, float]:
    """{path under /app: mtime} of the session's .py files (bounded)."""
    found: dict[str, float] = {}
    for folder, dirs, files in os.walk(APP_DIR):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        for name in files:
            if name.endswith(".py") and len(found) < MAX_WATCHED:
                path = os.path.join(folder, name)
                try:
                    found[os.path.relpath(path, APP_DIR)] = os.stat(path).st_mtime
                except OSError:
                    pass
    return found


def _stream_runs(ids: list[int], follow_new: bool, until_ended: bool) -> int:
    """Emit HEAD, output and END frames for these runs (and, following, for every new one,
    and CHANGED for session files that change)."""
    tails = {i: _Tail(i) for i in ids}
    newest = max(run_ids() or [0])
    client = select.poll()
    client.register(0, select.POLLIN)
    files = _py_files() if follow_new else {}
    files_checked = time.monotonic()
    while True:
        if follow_new and time.monotonic() - files_checked > FILES_EVERY_S:
            now = _py_files()
            for name, mtime in now.items():
                if files.get(name) != mtime:
                    _send(literal_frame(CHANGED, {"file": name, "mtime": mtime}))
            files, files_checked = now, time.monotonic()
        if follow_new:
            for run_id in run_ids():
                if run_id > newest:
                    tails[run_id] = _Tail(run_id)
                    newest = run_id
        for tail in list(tails.values()):
            meta = read_meta(tail.id)
            if meta is None:
                if not os.path.isdir(tail.dir):
                    del tails[tail.id]  # pruned, or never written
                continue
            if not tail.head_sent:
                _send(literal_frame(HEAD, {**meta, "code": tail.code()}))
                tail.head_sent = True
            state = run_state(meta)
            for kind, payload in tail.read():
                _send(frame(OUT_OF if kind == STDOUT else ERR_OF, run_id_prefix(tail.id) + payload))
            if state != "going":
                for kind, payload in tail.read():
                    _send(frame(OUT_OF if kind == STDOUT else ERR_OF, run_id_prefix(tail.id) + payload))
                meta, state = _settled(tail.id, meta)
                _send(literal_frame(END, {**meta, "state": state}))
                del tails[tail.id]
        if not tails and until_ended:
            return 0
        if client.poll(POLL_S * 1000) and not os.read(0, 65536):
            return 0  # the client is gone


def follow_command(args: list[str]) -> int:
    """follow [--last]: runs going now from their start (--last: or else the latest run), then new ones."""
    ids = run_ids()
    going = [i for i in ids[-20:] if (m := read_meta(i)) and run_state(m) == "going"]
    if "--last" in args and ids and ids[-1] not in going:
        going = sorted({ids[-1], *going})
    return _stream_runs(going, follow_new=True, until_ended=False)


def logs_command(args: list[str]) -> int:
    """logs ID|latest [--follow]"""
    ids = run_ids()
    wanted = ids[-1] if args[0] == "latest" and ids else int(args[0]) if args[0].isdigit() else None
    if wanted is None or read_meta(wanted) is None:
        _send(literal_frame(END, {"id": wanted, "state": "unknown"}))
        return 0
    if "--follow" not in args:
        meta = read_meta(wanted)
        tail = _Tail(wanted)
        _send(literal_frame(HEAD, {**meta, "code": tail.code()}))
        for kind, payload in tail.read():
            _send(frame(OUT_OF if kind == STDOUT else ERR_OF, run_id_prefix(wanted) + payload))
        meta, state = _settled(wanted, meta)
        _send(literal_frame(END, {**meta, "state": state}))
        return 0
    return _stream_runs([wanted], follow_new=False, until_ended=True)


def history_command() -> int:
    runs = []
    for run_id in run_ids():
        meta = read_meta(run_id)
        if meta:
            meta, state = _settled(run_id, meta)
            runs.append({**meta, "state": state})
    _send(repr(runs).encode())
    return 0


def stop_command(args: list[str]) -> int:
    """stop ID BY: kill a run's tree; its own runner records who stopped it."""
    run_id, by = int(args[0]), args[1]
    meta = read_meta(run_id)
    if meta is None or run_state(meta) != "going":
        return 3
    try:
        with open(os.path.join(_run_dir(run_id), "stopped-by"), "w") as f:
            f.write(by)
    except OSError:
        pass
    _as_program_user(lambda: kill_tree(meta["tag"], {os.getpid(), meta["runner_pid"]}))
    return 0


# -- root's recorder -------------------------------------------------------------------------------
# In a session made with SETUID, SETGID and KILL, msc starts the runner as root: root keeps the
# exec's stream and the history, and a worker that has become the program's user runs the
# programs. Changing uid made the worker non-dumpable, so a program (same user) can neither open
# /proc/<worker>/fd nor ptrace it: it cannot forge frames, and it cannot write the records.
_recorded = False  # this process is a worker whose runs root's recorder keeps
_legacy_writer = False  # this process runs programs and keeps their records itself (an older session)
_replay = b""  # a fresh worker's first bytes: the request the worker before it had in hand
_account = None  # the program user's passwd entry, once root has checked it can become that user
CAP_KILL, CAP_SETGID, CAP_SETUID = 5, 6, 7


def _program_account():
    """The program user's passwd entry when root here can become that user and nothing that user
    can write is on root's import path; otherwise None (the host then runs the runner as the user)."""
    import pwd

    try:
        account = pwd.getpwnam(PROGRAM_USER)
        with open("/proc/self/status") as f:
            caps = int(next(line for line in f if line.startswith("CapEff:")).split()[1], 16)
    except (KeyError, OSError, StopIteration, ValueError):
        return None
    needed = 1 << CAP_KILL | 1 << CAP_SETGID | 1 << CAP_SETUID
    if caps & needed != needed:
        return None
    for entry in sys.path[1:]:
        try:
            found = os.stat(entry)
        except OSError:
            continue
        if found.st_uid == account.pw_uid or found.st_mode & 0o002:
            return None
    return account


def _become(account) -> None:
    os.setgroups([])
    os.setgid(account.pw_gid)
    os.setuid(account.pw_uid)
    os.environ.update(HOME=account.pw_dir, USER=account.pw_name, LOGNAME=account.pw_name)


def _as_program_user(action) -> None:
    """`action` as the program's user (root may not read that user's /proc/PID/environ)."""
    if _account is None:
        action()
        return
    pid = os.fork()
    if pid == 0:
        try:
            _become(_account)
            action()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _set_dumpable(value: int) -> None:
    import ctypes

    ctypes.CDLL(None).prctl(4, value, 0, 0, 0)  # PR_SET_DUMPABLE


def _enable_site(user_site: bool) -> None:
    """What `python3` does at start and msc's `python3 -S` skips, so that root never runs a
    .pth file: site-packages on the path, their .pth files run (as the program's user)."""
    import site

    if not user_site:
        site.ENABLE_USER_SITE = False
    site.main()


def _add_user_site() -> None:
    """The program user's own site-packages (pip install --user), as `python3` run by that user
    has it; never on the worker's path, where the program could plant what the worker imports."""
    folder = os.path.expanduser(f"~/.local/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages")
    if os.path.isdir(folder):
        import site

        site.addsitedir(folder)


def _record(argv: list[str]) -> int:
    """Root's half: start the worker (the program's user), forward the host's bytes to it, and
    forward its frames to the host while recording runs from them."""
    os.makedirs(RECORDS_DIR, mode=0o755, exist_ok=True)
    import ast  # noqa: F401  (the worker's record reading, loaded by root from root's files)
    import ctypes  # noqa: F401  (loaded here, each program's _set_dumpable is cheap)
    return _Recorder(argv).loop()


class _Recorder(_Watching):
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
            _become(_account)
            _enable_site(user_site=False)  # the program user's own folder never: see _add_user_site
            global _recorded, _replay
            _recorded, _replay = True, replay
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
            meta.update(runner_pid=os.getpid(), runner_start=_process_start(os.getpid()))
            self.history = History(meta, code)
            self.tag = str(meta.get("tag", ""))
            self.history.start()
        elif kind == STARTED and self.history is not None:
            _send(literal_frame(STARTED, {**read_literal(payload), "id": self.history.meta["id"]}))
        elif kind == FINISH and self.history is not None:
            finished = read_literal(payload)
            history, self.history = self.history, None
            history.finish(dict(finished["outcome"]))
            if finished["report"]:
                _send(_exited_frame(history.meta, finished["outcome"], finished["warm"]))
        elif kind == RESTART and self.history is None:  # only between runs
            restart = read_literal(payload)
            self.restart = {"args": ["--cold"] if restart["cold"] else [], "replay": bytes(restart["replay"])}
        elif kind not in (BEGIN, FINISH, RESTART):
            if self.history is not None and kind in (STDOUT, STDERR):
                self.history.output(kind, payload)
            _send(frame(kind, payload))

    def _worker_ended(self) -> int:
        self._watch(self.from_worker, 0)
        os.close(self.from_worker)
        _, status = os.waitpid(self.worker, 0)
        if self.history is not None:  # killed mid-run: its program must not outlive it (the record says lost)
            _as_program_user(lambda: kill_tree(self.tag, {os.getpid()}))
            self.history = None
        code = os.waitstatus_to_exitcode(status)
        return 128 - code if code < 0 else code


def _work(argv: list[str]) -> int:
    if argv[0] == "serve":
        return _Server(argv).serve()
    return run_command()


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else ""
    global _account, _legacy_writer
    if os.getuid() == 0 and PROGRAM_USER and mode in ("run", "serve", "stop"):
        _account = _program_account()
        if _account is None:
            return LEGACY_EXIT
        if mode != "stop":
            os._exit(_record(argv))
    _legacy_writer = os.getuid() != 0 and mode in ("run", "serve")
    if _legacy_writer and sys.flags.no_site:
        _enable_site(user_site=True)
    if mode == "run":
        return run_command()
    if mode == "serve":
        code = _Server(argv).serve()
        os._exit(code)  # the preloaded modules' atexit handlers are not the server's to run
    if mode == "follow":
        return follow_command(argv[1:])
    if mode == "logs":
        return logs_command(argv[1:])
    if mode == "history":
        return history_command()
    if mode == "stop":
        return stop_command(argv[1:])
    sys.stderr.write(f"msc runner: unknown mode {mode!r}\n")
    return 2
