"""Only what changed travels: a project's files mirrored into a session's /app.

msc remembers what each session holds (path, size, mtime, content hash) in
MSC_HOME/projects/<session>-<project hash>.json. A rerun with nothing changed sends nothing (a stat per
file); a changed file sends itself (one archive for all); a file deleted locally is deleted
in the session.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path

from ..engine import Engine
from ..errors import EngineError, UsageError
from ..formatting import plural
from .files import APP_DIR
from .project import Project
from .state import SessionRecord

BATCH_BYTES = 64 * 2**20  # one archive at most this big in memory at once


def _size_and_mtime(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _read_unchanged(path: Path, size: int, mtime: int) -> bytes:
    data = path.read_bytes()
    if _size_and_mtime(path) != (size, mtime):  # written to while msc read it
        raise UsageError(f"{path} changed while msc was sending it; run again")
    return data


class Mirror:
    def __init__(self, engine: Engine, state_dir: Path):
        self.engine = engine
        self.folder = state_dir / "projects"

    def _manifest_path(self, session_id: str, root: Path) -> Path:
        """One manifest per session and project: two projects run in one session each keep theirs."""
        return self.folder / f"{session_id}-{hashlib.sha256(str(root).encode()).hexdigest()[:12]}.json"

    def _load(self, session_id: str, root: Path) -> dict:
        try:
            data = json.loads(self._manifest_path(session_id, root).read_text())
            if data.get("root") == str(root) and isinstance(data.get("files"), dict):
                return data["files"]
        except (OSError, ValueError, AttributeError):
            pass
        return {}  # another project, or nothing sent yet: everything travels

    async def sync(self, record: SessionRecord, project: Project) -> dict:
        """Send what changed, delete what went; returns what was done (for --json)."""
        held = self._load(record.id, project.root)
        now: dict[str, list] = {}
        batch: dict[str, bytes] = {}
        sent_files = sent_bytes = 0
        for name, path in sorted(project.files.items()):
            try:
                size, mtime = project.stats.get(name) or _size_and_mtime(path)
                known = held.get(name)
                if known and known[0] == size and known[1] == mtime:
                    now[name] = known
                    continue
                name.encode("utf-8")
                data = await asyncio.to_thread(_read_unchanged, path, size, mtime)
            except UnicodeEncodeError:
                shown = name.encode("utf-8", "replace").decode()
                raise UsageError(f"{shown}: a file name that is not UTF-8 in {project.root}; rename it or leave "
                                 "it out with .mscignore") from None
            except OSError as exc:  # the run does not start; the manifest is not saved, so a rerun resends
                raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None
            digest = hashlib.sha256(data).hexdigest()
            now[name] = [size, mtime, digest]
            if known and known[2] == digest:  # touched, not changed
                continue
            batch[name] = data
            sent_files, sent_bytes = sent_files + 1, sent_bytes + len(data)
            if sum(len(d) for d in batch.values()) >= BATCH_BYTES:
                await self._put(record, batch)
                batch = {}
        if batch:
            await self._put(record, batch)
        gone = sorted(set(held) - set(now))
        if gone:  # relative names under /app, from our own manifest
            await self.engine.execs.output(record.container_name, ["rm", "-f", "--", *gone], user="appuser")
        self._save(record.id, project.root, now)
        return {"root": str(project.root), "why": project.why, "files": len(now), "sent_files": sent_files,
                "sent_bytes": sent_bytes, "deleted": gone}

    async def _put(self, record: SessionRecord, batch: dict[str, bytes]) -> None:
        """One archive into /app; if the engine fails midway (a full disk), the files of the
        archive are removed again so that no program sees half of one."""
        try:
            await self.engine.files.put(record.container_name, APP_DIR, batch)
        except EngineError as exc:
            await self.engine.execs.output(record.container_name, ["rm", "-f", "--", *batch], user="appuser")
            if "no space left" in str(exc):
                size = sum(len(d) for d in batch.values()) / 2**20
                raise EngineError(f"the session's disk is full: {plural(len(batch), 'file')} ({size:.1f} MiB) did "
                                  "not fit in /app; free space in the session (msc files, msc shell) or leave "
                                  "big files out with .mscignore") from None
            raise

    def _save(self, session_id: str, root: Path, files: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._manifest_path(session_id, root)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps({"root": str(root), "files": files}))
        os.replace(temp, path)

    async def resend(self, record: SessionRecord) -> int:
        """After a restore: the new container gets the project files the old one held (those
        still on this machine); returns how many were sent."""
        sent = 0
        for path in sorted(self.folder.glob(f"{record.id}-*.json")):
            try:
                data = json.loads(path.read_text())
                root, names = Path(data["root"]), list(data["files"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            path.unlink()  # the new container holds nothing yet: everything travels
            files = {n: root / n for n in names if (root / n).is_file()}
            if files:
                sent += (await self.sync(record, Project(root, "restored", files, "", "")))["sent_files"]
        return sent
