"""sessions.toml: every session's record, safe for several msc processes at once.

Writes take an exclusive lock on a sidecar file, re-read, apply the change, and replace
the file atomically (temp file + rename), so two processes (two SSH logins) never lose each
other's updates. A file that does not parse is moved aside and reported; the caller then
rebuilds the records from container labels.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import sys
import tempfile
import time
import tomllib
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, TypeVar

import tomli_w

from ..errors import MscError

T = TypeVar("T")


@dataclass
class SessionRecord:
    id: str
    container_name: str
    image: str
    app_type: str
    container_id: str = ""
    network: str = "normal"
    installer: str = "uv"
    install_user: str = "appuser"  # sessions made before installs had their own user
    created_at: float = 0.0
    last_used: float = 0.0
    session_files: list[str] = field(default_factory=list)
    installed_packages: list[str] = field(default_factory=list)  # name==version, read from the container
    requested_packages: list[str] = field(default_factory=list)  # specs the user asked for
    forked_from: str = ""  # the session (id) this one was forked from (msc fork); "" when made new
    pool: str = ""  # waiting in the warm pool: the settings key it matches (core/pool_claim.py); "": a session

    @classmethod
    def from_toml(cls, session_id: str, data: dict) -> "SessionRecord":
        """A record, every field checked: a wrong type is a broken file (TypeError), never a
        value that sends a run somewhere else."""
        if not isinstance(data, dict) or not re.fullmatch(r"[0-9a-z]{1,32}", session_id):
            raise TypeError(f"session {session_id!r} is not a table with an id of letters and digits")
        values = {}
        for f in fields(cls):
            if f.name == "id" or f.name not in data:
                continue
            value, kind = data[f.name], _FIELD_TYPES[f.name]
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if kind is list:
                ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            else:
                ok = isinstance(value, kind) and not isinstance(value, bool)
            if not ok:
                raise TypeError(f"session {session_id}: {f.name} = {value!r} is not a {kind.__name__}")
            values[f.name] = value
        for required in ("container_name", "image", "app_type"):
            if not values.get(required):
                raise TypeError(f"session {session_id}: {required} is missing")
        return cls(id=session_id, **values)

    def to_toml(self) -> dict:
        data = asdict(self)
        del data["id"]
        return data


_FIELD_TYPES = {"container_name": str, "image": str, "app_type": str, "container_id": str, "network": str,
                "installer": str, "install_user": str, "created_at": float, "last_used": float,
                "session_files": list, "installed_packages": list, "requested_packages": list,
                "forked_from": str, "pool": str}
LOCK_TIMEOUT_S = 15.0


def lock_holder(lock) -> str:
    """Who holds the flock on the open file `lock`: the kernel's word (/proc/locks names the pid of
    any process, msc or not), else what the holder wrote into it, else "another process"."""
    info = os.fstat(lock.fileno())
    device = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        with open("/proc/locks") as table:
            pids = [fields[4] for fields in map(str.split, table)
                    if len(fields) > 5 and fields[1] == "FLOCK" and fields[5] == device]
    except OSError:
        pids = []
    for pid in pids:
        if pid.isdigit() and int(pid) > 0 and int(pid) != os.getpid():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                    command = cmdline.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except OSError:  # ended meanwhile, or another user's
                command = ""
            return f"pid {pid} ({command[:80]})" if command else f"pid {pid}"
    lock.seek(0)
    return lock.read().strip() or "another process"


class StateStore:
    def __init__(self, path: Path):
        self.path = path
        self.warnings: list[str] = []
        self.recovered = False  # set when a corrupt file was moved aside

    def read(self) -> dict[str, SessionRecord]:
        """A consistent snapshot (the file is only ever replaced whole)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except UnicodeDecodeError as exc:
            return self._quarantine(exc)
        except OSError as exc:
            raise MscError(f"{self.path}: cannot read it ({exc.strerror})") from None
        try:
            raw = tomllib.loads(text)
            sessions = raw.get("sessions", {})
            if not isinstance(sessions, dict):
                raise TypeError("[sessions] is not a table")
            return {sid: SessionRecord.from_toml(sid, data) for sid, data in sessions.items()}
        except (tomllib.TOMLDecodeError, TypeError, AttributeError, ValueError) as exc:
            return self._quarantine(exc)

    def _quarantine(self, exc: Exception) -> dict:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        try:
            os.replace(self.path, aside)
        except FileNotFoundError:  # another process moved it already
            return {}
        self.recovered = True
        self.warnings.append(f"warning: {self.path} was corrupt ({str(exc).splitlines()[0]}); "
                             f"moved it to {aside.name} and rebuilt the records from container labels")
        return {}

    @contextmanager
    def _locked(self, on_locked: Callable[[], None] | None = None):
        """The writers' lock; waits at most LOCK_TIMEOUT_S, then names who holds it. `on_locked`
        is called once it is held."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(lock_path, "a+")
        except OSError as exc:
            raise MscError(f"{lock_path}: cannot open the state lock ({exc.strerror})") from None
        with lock:
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise MscError(f"{self.path} has been locked for over {LOCK_TIMEOUT_S:.0f}s by "
                                       f"{lock_holder(lock)}; try again when it has finished") from None
                    time.sleep(0.05)
            try:
                lock.seek(0)
                lock.truncate()
                lock.write(f"pid {os.getpid()} ({' '.join(sys.argv[:3])[:80]})")
                lock.flush()
                if on_locked:
                    on_locked()
                yield
            finally:
                lock.truncate(0)  # the next holder may be a process that writes nothing here
                fcntl.flock(lock, fcntl.LOCK_UN)

    def update(self, change: Callable[[dict[str, SessionRecord]], T],
               on_locked: Callable[[], None] | None = None) -> T:
        """Apply change(records) under the lock and save; returns what change returns. `on_locked`:
        told once the lock is held (a run waits for that before it starts, not for the save)."""
        with self._locked(on_locked):
            records = self.read()
            result = change(records)
            self._write(records)
            return result

    async def aupdate(self, change: Callable[[dict[str, SessionRecord]], T]) -> T:
        """`update` off the event loop: waiting for the lock never freezes a UI."""
        return await asyncio.to_thread(self.update, change)

    def _write(self, records: dict[str, SessionRecord]) -> None:
        data = {"sessions": {sid: r.to_toml() for sid, r in sorted(records.items())}}
        temp = None
        try:
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".sessions-", suffix=".toml")
            with os.fdopen(fd, "wb") as out:
                tomli_w.dump(data, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException as exc:
            if temp:
                os.unlink(temp)
            if isinstance(exc, OSError):  # read-only, full disk: the old file stays whole
                raise MscError(f"{self.path}: cannot write it ({exc.strerror})") from None
            raise
