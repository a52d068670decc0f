"""One run: read its config frame, fork the program, relay it, record it, report its exit."""

from __future__ import annotations

import marshal
import os
import sys
import time

from . import process
from .history import AnnouncedHistory, History, others_going, process_start
from .paths import APP_DIR, IMPORTS_DIR, PROJECT_MARK
from .program import become_program
from .protocol import CONFIG, EXITED, FINISH, STARTED, TAG_VARIABLE, WARNING, FrameReader, frame, literal_frame
from .relay import Relay, open_streams

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    import signal
    from typing import Callable, NoReturn
else:
    import _signal as signal  # the C module: `signal` itself imports enum (milliseconds per run)

CHANGED_SHOWN, CHANGED_WALK = 50, 20000  # a run's results listed; entries looked at, at most


def read_config(reader: FrameReader, wait_for_input: Callable[[], bool] | None = None) -> dict | None:
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


def run_program(config: dict, tag: str, reader: FrameReader, preloaded: tuple[str, ...] = ()) -> bool:
    """One run: fork the program, relay its input and output until it ends, record it.
    `tag` marks the run's process tree; `preloaded`: what a warm server imported.
    False when the client has gone."""
    if config.get("seed") is not None:
        from .seeding import plant

        if not plant(config["seed"]):
            process.send(literal_frame(EXITED, {"project_stale": True}))  # the client sends an archive instead
            return True
    elif config.get("project") and os.path.basename(os.path.realpath(PROJECT_MARK)) != config["project"]:
        process.send(literal_frame(EXITED, {"project_stale": True}))  # /app holds other files: the client syncs first
        return True
    path = os.path.normpath(os.path.join(APP_DIR, config["file"]))
    started = time.time()
    own_tag = tag != os.environ.get(TAG_VARIABLE)  # a warm server's run: not the exec's tag
    meta = {"id": None, "by": config.get("by", "?"), "face": config.get("face", "?"),
            "client": config.get("client", ""), "file": config["file"], "started_at": started,
            "runner_pid": os.getpid(), "runner_start": process_start(os.getpid()),
            "tag": tag, "warm": len(preloaded) if own_tag else None}
    history = (AnnouncedHistory if process.recorded else History)(meta, config["code"])
    if process.recorded:
        config["_imports"] = os.path.join(IMPORTS_DIR, tag)
    elif not history.failed:
        config["_imports"] = os.path.join(history.dir, "imports")
    if own_tag:
        config["_tag"] = tag
    problem = _write_session_file(path, config["code"])
    if problem:
        process.send(frame(WARNING, problem.encode()))
    child_ends, parent_ends = open_streams(config)
    sys.stdout.flush()
    ooms = _oom_kills()
    pid = os.fork()
    if pid == 0:
        become_program(config, path, child_ends, preloaded)
    for fd in child_ends.values():
        os.close(fd)
    meta["pid"] = pid
    process.send(literal_frame(STARTED, {"id": meta["id"], "tag": tag,
                                         "others": others_going(meta["id"], meta["client"])}))
    history.start()
    relay = Relay(config, pid, parent_ends, history, tag, reader)
    outcome = relay.loop()
    exit_code = 124 if outcome["timed_out"] else relay.status
    outcome.update(exit_code=exit_code, duration_s=round(time.time() - started, 4), ended_at=time.time(),
                   oom_killed=exit_code == 128 + signal.SIGKILL and _oom_kills() > ooms,
                   changed_files=_changed_files(started, path))
    history.finish(outcome)
    if process.recorded:
        process.send(literal_frame(FINISH, {"outcome": outcome, "report": relay.client_open, "warm": meta["warm"]}))
    elif relay.client_open:
        process.send(exited_frame(history.meta, outcome, meta["warm"]))
    return relay.client_open and not process.client_gone


def exited_frame(meta: dict, outcome: dict, warm: int | None) -> bytes:
    stopped_by = meta.get("stopped_by")
    return literal_frame(EXITED, {**outcome, "cancelled": outcome["cancelled"] or bool(stopped_by),
                                  "stopped_by": stopped_by, "warm": warm})


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


def run_command() -> NoReturn:
    reader = FrameReader()
    config = read_config(reader)
    if config is not None:
        run_program(config, os.environ.get(TAG_VARIABLE, ""), reader)
    os._exit(0)  # everything is written (os.write, no buffers): skip the interpreter's teardown
