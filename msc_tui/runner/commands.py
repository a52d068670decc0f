"""Reading the run history, as any client may: follow, logs, history; and stop, which ends
another client's run."""

from __future__ import annotations

import os
import select
import time

from . import process
from .history import read_meta, run_dir, run_ids, run_state, settled
from .paths import APP_DIR
from .presence import PRESENCE_FORMAT, client_said, present
from .protocol import (
    CHANGED,
    END,
    ERR_OF,
    HEAD,
    OUT_OF,
    PRESENCE,
    STDOUT,
    FrameReader,
    frame,
    literal_frame,
    run_id_prefix,
)
from .relay import POLL_S
from .tags import kill_tree
from .users import as_program_user

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    from typing import Callable

FILES_EVERY_S = 0.5
MAX_WATCHED = 2000


class _Tail:
    """Reads one run's output segments as they grow (and as old ones are pruned)."""

    def __init__(self, run_id: int):
        self.id = run_id
        self.dir = run_dir(run_id)
        self.segment = 0
        self.offset = 0
        self.reader = FrameReader()
        self.head_sent = False

    def read(self) -> list[tuple[bytes, bytes]]:
        frames: list[tuple[bytes, bytes]] = []
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


def _output_frame(run_id: int, kind: bytes, payload: bytes) -> bytes:
    return frame(OUT_OF if kind == STDOUT else ERR_OF, run_id_prefix(run_id) + payload)


def _stream_runs(ids: list[int], follow_new: bool, until_ended: bool,
                 on_editing: Callable[[str], None] | None = None) -> int:
    """Emit HEAD, output and END frames for these runs (and, following, for every new one,
    CHANGED for session files that change and PRESENCE when who follows the session changes).
    `on_editing`: told the file the client says it has open (EDITING frames on stdin)."""
    tails = {i: _Tail(i) for i in ids}
    newest = max(run_ids() or [0])
    client = select.poll()
    client.register(0, select.POLLIN)
    said = FrameReader()
    files = _py_files() if follow_new else {}
    files_checked = time.monotonic()
    people = _send_presence(None) if follow_new else []
    while True:
        if follow_new and time.monotonic() - files_checked > FILES_EVERY_S:
            now = _py_files()
            for name, mtime in now.items():
                if files.get(name) != mtime:
                    process.send(literal_frame(CHANGED, {"file": name, "mtime": mtime}))
            files, files_checked = now, time.monotonic()
            people = _send_presence(people)
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
                process.send(literal_frame(HEAD, {**meta, "code": tail.code()}))
                tail.head_sent = True
            state = run_state(meta)
            for kind, payload in tail.read():
                process.send(_output_frame(tail.id, kind, payload))
            if state != "going":
                for kind, payload in tail.read():
                    process.send(_output_frame(tail.id, kind, payload))
                meta, state = settled(tail.id, meta)
                process.send(literal_frame(END, {**meta, "state": state}))
                del tails[tail.id]
        if not tails and until_ended:
            return 0
        if client.poll(POLL_S * 1000) and not client_said(said, on_editing):
            return 0  # the client is gone


def _send_presence(before: list[dict] | None) -> list[dict]:
    """PRESENCE with who follows the session now, when that changed since `before`."""
    now = present()
    if now != before:
        process.send(literal_frame(PRESENCE, {"format": PRESENCE_FORMAT, "present": now}))
    return now


def follow_command(args: list[str], on_editing: Callable[[str], None] | None = None) -> int:
    """follow [--last]: runs going now from their start (--last: or else the latest run), then new ones."""
    ids = run_ids()
    going = [i for i in ids[-20:] if (m := read_meta(i)) and run_state(m) == "going"]
    if "--last" in args and ids and ids[-1] not in going:
        going = sorted({ids[-1], *going})
    return _stream_runs(going, follow_new=True, until_ended=False, on_editing=on_editing)


def logs_command(args: list[str]) -> int:
    """logs ID|latest [--follow]"""
    ids = run_ids()
    wanted = ids[-1] if args[0] == "latest" and ids else int(args[0]) if args[0].isdigit() else None
    meta = read_meta(wanted) if wanted is not None else None
    if wanted is None or meta is None:
        process.send(literal_frame(END, {"id": wanted, "state": "unknown"}))
        return 0
    if "--follow" not in args:
        tail = _Tail(wanted)
        process.send(literal_frame(HEAD, {**meta, "code": tail.code()}))
        for kind, payload in tail.read():
            process.send(_output_frame(wanted, kind, payload))
        meta, state = settled(wanted, meta)
        process.send(literal_frame(END, {**meta, "state": state}))
        return 0
    return _stream_runs([wanted], follow_new=False, until_ended=True)


def history_command() -> int:
    runs = []
    for run_id in run_ids():
        meta = read_meta(run_id)
        if meta:
            meta, state = settled(run_id, meta)
            runs.append({**meta, "state": state})
    process.send(repr(runs).encode())
    return 0


def stop_command(args: list[str]) -> int:
    """stop ID BY: kill a run's tree; its own runner records who stopped it."""
    run_id, by = int(args[0]), args[1]
    meta = read_meta(run_id)
    if meta is None or run_state(meta) != "going":
        return 3
    try:
        with open(os.path.join(run_dir(run_id), "stopped-by"), "w") as f:
            f.write(by)
    except OSError:
        pass
    as_program_user(lambda: kill_tree(meta["tag"], {os.getpid(), meta["runner_pid"]}))
    return 0
