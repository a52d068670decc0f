"""Session files: kept under MSC_HOME (so a removed session can come back) and in /app."""

from __future__ import annotations

from pathlib import Path

from ..engine import Engine
from ..errors import NotFound
from .state import SessionRecord

APP_DIR = "/app"


class SessionFiles:
    def __init__(self, root: Path, engine: Engine):
        self.root = root  # MSC_HOME/sessions (or the state dir's)
        self.engine = engine

    def folder(self, session_id: str) -> Path:
        return self.root / session_id

    def save(self, record: SessionRecord, filename: str, code: str) -> None:
        """The host copy only (a run writes the container's copy itself)."""
        path = self.folder(record.id) / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code)

    async def write(self, record: SessionRecord, files: dict[str, str]) -> None:
        """Both copies of each file: under MSC_HOME and in the container's /app (one archive)."""
        for filename, code in files.items():
            self.save(record, filename, code)
        await self.engine.files.put(record.container_name, APP_DIR, {n: c.encode() for n, c in files.items()})

    def read(self, record: SessionRecord, filename: str) -> str:
        try:
            return (self.folder(record.id) / filename).read_text()
        except FileNotFoundError:
            raise NotFound(f"session {record.id} has no file {filename!r}") from None

    def kept(self, session_id: str) -> list[str]:
        folder = self.folder(session_id)
        if not folder.is_dir():
            return []
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())

    async def copy_back(self, record: SessionRecord) -> None:
        """After a restore: the recorded files go into the new container."""
        folder = self.folder(record.id)
        files = {name: (folder / name).read_bytes() for name in record.session_files if (folder / name).is_file()}
        if files:
            await self.engine.files.put(record.container_name, APP_DIR, files)
