"""Who is in a session: one entry per client that follows it, written by root next to the run
records (the program's user can neither plant nor remove one), gone when the follower ends.

A client may tell what it does while it stays (the file it edits, an EDITING frame on its
stdin): the entry is rewritten when that changes, and followers' PRESENCE frames say so.

A follower's entry names the root process that holds it (pid and kernel start time): a reader
ignores an entry whose process is gone or whose pid was reused (kill -9, an engine restart), and
the next follower to register removes it. The folder is bounded: MAX_ENTRIES entries of at most
ENTRY_BYTES each; a follower past the cap follows unlisted. Format: docs/runner-protocol.md,
"Presence".
"""

from __future__ import annotations

import os
import time

from .history import going_dir, process_start, read_literal_file, read_meta, run_state, runs_dir, write_literal
from .paths import RECORDS_DIR
from .protocol import EDITING, FrameReader

TYPE_CHECKING = False  # what only the type checker imports (typing, enum-based signal: milliseconds per run)
if TYPE_CHECKING:
    import pwd
    from typing import Callable

PRESENCE_FORMAT = 1
MAX_ENTRIES = 32
ENTRY_BYTES = 2048
FIELD_CHARS = {"by": 100, "face": 12, "what": 300, "client": 40}
SHOWN_KEYS = ("by", "face", "what", "client", "since")


def presence_dir() -> str:
    return os.path.join(runs_dir(), "presence")


def _field(args: list[str], flag: str) -> str:
    value = args[args.index(flag) + 1] if flag in args[:-1] else ""
    return value[:FIELD_CHARS.get(flag[2:], 300)]


def _alive(entry: dict) -> bool:
    pid = entry.get("pid")
    return isinstance(pid, int) and pid > 0 and process_start(pid) == entry.get("start")


def _entries() -> dict[str, dict]:
    """{file name: entry} of the entries whose process lives (at most MAX_ENTRIES are read)."""
    folder = presence_dir()
    try:
        names = sorted(n for n in os.listdir(folder) if n.isdigit())[:MAX_ENTRIES]
    except OSError:
        return {}
    found = {}
    for name in names:
        try:
            if os.path.getsize(os.path.join(folder, name)) > ENTRY_BYTES:
                continue
        except OSError:
            continue
        entry = read_literal_file(os.path.join(folder, name))
        if isinstance(entry, dict) and _alive(entry):
            found[name] = entry
    return found


def present() -> list[dict]:
    """The clients following this session now, earliest first: by, face, what, client, since."""
    shown = []
    for entry in _entries().values():
        item = {key: entry.get(key) for key in SHOWN_KEYS}
        if all(isinstance(item[k], str) for k in FIELD_CHARS) and isinstance(item["since"], (int, float)):
            shown.append(item)
    return sorted(shown, key=lambda item: item["since"])


def running() -> list[dict]:
    """The runs going in this session: id, by, face, file, started_at."""
    try:
        names = sorted(n for n in os.listdir(going_dir()) if n.isdigit())[-MAX_ENTRIES:]
    except OSError:
        return []
    found = []
    for name in names:
        marker = read_literal_file(os.path.join(going_dir(), name))
        if isinstance(marker, dict) and run_state(marker) == "going":
            meta = read_meta(int(name)) or {}
            found.append({**{k: marker.get(k) for k in ("id", "by", "face", "file")},
                          "started_at": meta.get("started_at")})
    return found


def who_command() -> int:
    """who: the session's followers and the runs going in it, as a Python literal."""
    from . import process

    process.send(repr({"format": PRESENCE_FORMAT, "present": present(), "running": running()}).encode())
    return 0


def register(args: list[str], idle: str = "following") -> str | None:
    """This process's entry (from --by, --face, --client and --editing; `idle`: what it does when
    it edits no file); its path, or None when it could not be written (full folder, full disk)."""
    folder = os.path.join(RECORDS_DIR, "presence") if os.getuid() == 0 else presence_dir()
    try:
        os.makedirs(folder, mode=0o755, exist_ok=True)
        live = 0
        for name in os.listdir(folder):
            if name.isdigit():  # an entry whose follower was killed before it could remove it goes
                entry = read_literal_file(os.path.join(folder, name))
                if isinstance(entry, dict) and _alive(entry):
                    live += 1
                else:
                    os.unlink(os.path.join(folder, name))
        if live >= MAX_ENTRIES:
            return None
        entry = {"format": PRESENCE_FORMAT, "by": _field(args, "--by") or "?", "face": _field(args, "--face") or "?",
                 "what": _doing(_field(args, "--editing"), idle),
                 "client": _field(args, "--client"), "since": time.time(), "pid": os.getpid(),
                 "start": process_start(os.getpid())}
        path = os.path.join(folder, str(os.getpid()))
        write_literal(path, entry)
        return path
    except OSError:
        return None


def _doing(editing: str, idle: str) -> str:
    return f"editing {editing}"[:FIELD_CHARS["what"]] if editing else idle


def note_editing(entry_path: str | None, editing: str, idle: str = "following") -> None:
    """The entry says the file its client edits now (rewritten only when that changed)."""
    entry = read_literal_file(entry_path) if entry_path else None
    if not isinstance(entry, dict) or not isinstance(entry.get("what"), str):
        return
    what = _doing(editing[:FIELD_CHARS["what"]], idle)
    if entry["what"] != what and entry_path:
        try:
            write_literal(entry_path, {**entry, "what": what})
        except OSError:
            pass


def client_said(reader: FrameReader, on_editing: Callable[[str], None] | None) -> bool:
    """Reads what the client sent on stdin (EDITING frames); False when it is gone."""
    data = os.read(0, 65536)
    for kind, payload in reader.feed(data):
        if kind == EDITING and on_editing:
            on_editing(payload.decode("utf-8", "replace").replace("\n", " "))
    return bool(data)


def stay_command(args: list[str], on_editing: Callable[[str], None] | None = None) -> int:
    """here: the client (a Python API or MCP process) is listed until it closes its stream."""
    reader = FrameReader()
    while client_said(reader, on_editing):
        pass
    return 0


def _relay_editing(pipe: int, entry: str | None, idle: str) -> None:
    """Root's side: the streaming child passes on the file names its client sends, a line each,
    until it ends (a line past ENTRY_BYTES is dropped)."""
    pending = b""
    while data := os.read(pipe, 4096):
        *lines, pending = (pending + data).split(b"\n")
        for line in lines:
            note_editing(entry, line.decode("utf-8", "replace"), idle)
        pending = pending if len(pending) <= ENTRY_BYTES else b""
    os.close(pipe)


def attend(args: list[str], account: pwd.struct_passwd | None,
           command: Callable[[list[str], Callable[[str], None]], int], idle: str = "following") -> int:
    """`command` (follow, here), listed while it lasts: root holds the entry while a child that
    has become the program's user (`account`; None: this process itself) streams, passing on
    the file its client says it edits (a pipe to root, who rewrites the entry)."""
    import ast  # noqa: F401  (the child's record reading, loaded by root from root's files)

    entry = register(args, idle)
    try:
        if account is None:
            return command(args, lambda name: note_editing(entry, name, idle))
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            from .users import become

            code = 1
            try:
                os.close(read_end)
                become(account)
                code = command(args, lambda name: _tell(write_end, name))
            finally:
                os._exit(code)  # (never the parent's finally: the entry is root's to remove)
        os.close(write_end)
        _relay_editing(read_end, entry, idle)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)
    finally:
        if entry:
            try:
                os.unlink(entry)
            except OSError:
                pass


def _tell(pipe: int, name: str) -> None:
    try:
        os.write(pipe, name.encode("utf-8", "replace")[:ENTRY_BYTES] + b"\n")
    except OSError:
        pass
