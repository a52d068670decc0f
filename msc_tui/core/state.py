"""sessions.toml: every session's record, safe for several msc processes at once.

Writes take an exclusive lock on a sidecar file, re-read, apply the change, and replace
the file atomically (temp file + rename), so two processes (two SSH logins) never lose each
other's updates. A file that does not parse is moved aside and reported; the caller then
rebuilds the records from container labels.
"""

from __future__ import annotations

import fcntl
import os
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

    @classmethod
    def from_toml(cls, session_id: str, data: dict) -> "SessionRecord":
        known = {f.name for f in fields(cls)} - {"id"}
        return cls(id=session_id, **{k: v for k, v in data.items() if k in known})

    def to_toml(self) -> dict:
        data = asdict(self)
        del data["id"]
        return data


class StateStore:
    def __init__(self, path: Path):
        self.path = path
        self.warnings: list[str] = []
        self.recovered = False  # set when a corrupt file was moved aside

    def read(self) -> dict[str, SessionRecord]:
        """A consistent snapshot (the file is only ever replaced whole)."""
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise MscError(f"{self.path}: cannot read it ({exc.strerror})") from None
        try:
            raw = tomllib.loads(text)
            return {sid: SessionRecord.from_toml(sid, data) for sid, data in raw.get("sessions", {}).items()}
        except (tomllib.TOMLDecodeError, TypeError, AttributeError) as exc:
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
    def _locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def update(self, change: Callable[[dict[str, SessionRecord]], T]) -> T:
        """Apply change(records) under the lock and save; returns what change returns."""
        with self._locked():
            records = self.read()
            result = change(records)
            self._write(records)
            return result

    def _write(self, records: dict[str, SessionRecord]) -> None:
        data = {"sessions": {sid: r.to_toml() for sid, r in sorted(records.items())}}
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".sessions-", suffix=".toml")
        try:
            with os.fdopen(fd, "wb") as out:
                tomli_w.dump(data, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            os.unlink(temp)
            raise
