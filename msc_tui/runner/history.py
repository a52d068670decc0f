"""The run history on disk: one folder per run (its record, code and output), written by
root's recorder (or, in an older session, by the runner itself as the program's user).

Formats: docs/runner-protocol.md, "The run history on disk". Every write may fail (full disk,
read-only folder): the run goes on and the client gets one warning.
"""

from __future__ import annotations

import os

from . import process
from .paths import LEGACY_RUNS_DIR, RECORDS_DIR
from .protocol import BEGIN, WARNING, frame, literal_frame, read_literal

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    from typing import Any

RECORD_FORMAT = 2  # in every run's meta and going marker: 2 = written by root's recorder, 1 = by a legacy writer
KEEP_RUNS = 100
SEGMENT_BYTES = 256 * 1024
KEEP_SEGMENTS = 4  # with SEGMENT_BYTES: the last 1 MiB of each run's output is kept
GOING_KEYS = ("id", "by", "face", "file", "client", "runner_pid", "runner_start", "format")


def runs_dir() -> str:
    """Root's recorder writes the records; an older session's runner (the program's user) writes
    its own in its user's folder; a reader takes whichever there is (asked again on each look, so a
    follower started before a session's first run sees it)."""
    if os.getuid() == 0:
        return RECORDS_DIR
    if process.legacy_writer or (os.path.isdir(LEGACY_RUNS_DIR) and not os.path.isdir(RECORDS_DIR)):
        return LEGACY_RUNS_DIR
    return RECORDS_DIR


def going_dir() -> str:
    """One small file per run going: who, which file."""
    return os.path.join(runs_dir(), "going")


def run_dir(run_id: int) -> str:
    return os.path.join(runs_dir(), f"{run_id:06d}")


def run_ids() -> list[int]:
    try:
        return sorted(int(n) for n in os.listdir(runs_dir()) if n.isdigit())
    except FileNotFoundError:
        return []


def read_literal_file(path: str) -> Any:
    """A file's Python literal, or None when it is missing or not a literal."""
    try:
        with open(path, "rb") as f:
            return read_literal(f.read())
    except (OSError, ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def write_literal(path: str, data: object) -> None:
    temp = f"{path}.{os.getpid()}.tmp"
    with open(temp, "w") as f:
        f.write(repr(data))
    os.replace(temp, path)


def read_meta(run_id: int) -> dict | None:
    meta = read_literal_file(os.path.join(run_dir(run_id), "meta"))
    return meta if isinstance(meta, dict) else None


def process_start(pid: int) -> str | None:
    """The kernel's start time of a process (tells a live runner from a reused pid)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def run_state(meta: dict) -> str:
    """going, finished, or lost (its runner died without writing the end: engine restart, kill -9)."""
    if "exit_code" in meta:
        return "finished"
    alive = process_start(meta.get("runner_pid", 0)) == meta.get("runner_start")
    return "going" if alive else "lost"


def settled(run_id: int, meta: dict) -> tuple[dict, str]:
    """A record and its state. A writer gone since `meta` was read may have written the end just
    before it went: read again before calling the run lost."""
    state = run_state(meta)
    if state == "lost":
        meta = read_meta(run_id) or meta
        state = run_state(meta)
    return meta, state


def others_going(run_id: int | None, client: str) -> list[dict]:
    """Runs going in this session that another client started (usually none: nothing to parse)."""
    try:
        names = [n for n in os.listdir(going_dir()) if n.isdigit() and int(n) != run_id]
    except OSError:
        return []
    found = []
    for name in names:
        meta = read_literal_file(os.path.join(going_dir(), name))
        if isinstance(meta, dict) and meta.get("client") != client and run_state(meta) == "going":
            found.append({k: meta.get(k) for k in ("id", "by", "face", "file")})
    return found


class History:
    """One run's record and output in the session, kept by the process that writes them."""

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
                    os.mkdir(run_dir(run_id))
                    break
                except FileExistsError:
                    run_id += 1
            meta["id"] = run_id
            meta["format"] = RECORD_FORMAT if os.getuid() == 0 else 1
            self.dir = run_dir(run_id)
        except OSError as exc:
            self._fail(exc)

    def _going_marker(self) -> str:
        return os.path.join(going_dir(), str(self.meta["id"]))

    def _fail(self, exc: OSError) -> None:
        if self.failed is None:
            self.failed = f"history not kept for this run: {exc.strerror or exc}"
            process.send(frame(WARNING, self.failed.encode()))

    def start(self) -> None:
        if self.failed:
            return
        try:
            with open(os.path.join(self.dir, "code.py"), "w") as f:
                f.write(self.code)
            write_literal(os.path.join(self.dir, "meta"), self.meta)
            os.makedirs(going_dir(), exist_ok=True)
            write_literal(self._going_marker(), {k: self.meta[k] for k in GOING_KEYS})
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
            process.write_all(self.fd, chunk)
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
            write_literal(os.path.join(self.dir, "meta"), self.meta)
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
                shutil.rmtree(run_dir(old), ignore_errors=True)
                try:
                    os.unlink(os.path.join(going_dir(), str(old)))
                except OSError:
                    pass


class AnnouncedHistory:
    """A worker's side of a run that root's recorder keeps: the worker only announces the run
    (BEGIN); the recorder records the frames it forwards and the outcome (FINISH)."""

    failed: str | None = None
    dir = ""

    def __init__(self, meta: dict, code: str):
        self.meta = meta
        process.send(literal_frame(BEGIN, {"meta": meta, "code": code}))

    def start(self) -> None:
        pass

    def output(self, kind: bytes, data: bytes) -> None:
        pass

    def finish(self, outcome: dict) -> None:
        self.meta.update(outcome)
