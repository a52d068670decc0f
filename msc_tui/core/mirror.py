"""Only what changed travels: a project's files mirrored into a session's /app.

What /app holds is compared with the record kept in the container (core/manifest.py), so
every run uses the caller's own files, whoever sent theirs last: a session's /app holds one
project at a time, the last sender's (a pair alternating sees its own files each run, and
the run that replaces another sender's files says so). A rerun with nothing changed costs a
stat per file and one HEAD request; otherwise what differs in size, mtime or permission bits
is hashed, what differs in content is sent (one archive), and what the project no longer
has is deleted. Each file is read once and those bytes are sent, so a file that is written
meanwhile (a log, msc's own output redirected into the folder) travels as one consistent
snapshot, compared by hash on the next run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import Engine
from ..errors import EngineError, NotFound, UsageError
from ..formatting import plural
from .files import APP_DIR
from .manifest import MANIFEST_PATH, MARK_PATH, UNKNOWN_MTIME, Manifest, archive, fingerprint, safe_name
from .project import Project
from .state import SessionRecord

BATCH_BYTES = 64 * 2**20  # one archive at most this big in memory at once
# A new session's project at most this big goes in the run request (runner/seeding.py), not an archive.
SEED_BYTES, SEED_FILES = 2**20, 200


@dataclass
class Seed:
    config: dict  # for the runner: {files: {name: (bytes, mode)}, manifest, mark}
    done: dict  # what Mirror.sync would have returned


@dataclass
class _Batch:
    """What one pass over the project read: the new entries, and the files to send."""

    entries: dict[str, list] = field(default_factory=dict)
    send: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    size: int = 0


def _read_once(path: str, size: int, mtime: int) -> tuple[bytes, int] | None:
    """The file's bytes, and its mtime if it did not change while read (else UNKNOWN_MTIME);
    None when it is gone."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
            after = os.fstat(handle.fileno())
    except FileNotFoundError:
        return None
    except OSError as exc:  # the run does not start; nothing is recorded, so a rerun sends it
        raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None
    steady = (after.st_size, after.st_mtime_ns) == (size, mtime) and len(data) == size
    return data, (mtime if steady else UNKNOWN_MTIME)


def _collect(project: Project, held: dict[str, list], names: list[str], batch: _Batch) -> list[str]:
    """Compare and read files until the batch is full; returns the names still to do."""
    for index, name in enumerate(names):
        size, mtime, mode = project.files[name]
        known = held.get(name)
        if known and known[0] == size and known[1] == mtime and known[3] == mode:
            batch.entries[name] = known  # sent before, unchanged since
            continue
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            shown = name.encode("utf-8", "replace").decode()
            raise UsageError(f"{shown}: a file name that is not UTF-8 in {project.root}; rename it or leave "
                             "it out with .mscignore") from None
        read = _read_once(project.path(name), size, mtime)
        if read is None:
            continue  # deleted since the scan: not part of the project any more
        data, seen_mtime = read
        digest = hashlib.sha256(data).hexdigest()
        batch.entries[name] = [len(data), seen_mtime, digest, mode]
        if known and known[2] == digest and known[3] == mode:
            continue  # touched, not changed: the manifest alone changes
        batch.send[name] = (data, mode)
        batch.size += len(data)
        if batch.size >= BATCH_BYTES:
            return names[index + 1:]
    return []


class Mirror:
    def __init__(self, engine: Engine, state_dir: Path, by: str):
        self.engine = engine
        self.folder = state_dir / "projects"  # which project each session was sent (for a restore)
        self.by = by

    @staticmethod
    def unchanged(project: Project) -> dict:
        """What a sync that found nothing to do returns."""
        return {"root": str(project.root), "why": project.why, "files": len(project.files), "sent_files": 0,
                "sent_bytes": 0, "deleted": [], "replaced": None, "left_out": project.left_out}

    async def sync(self, record: SessionRecord, project: Project, empty: bool = False) -> dict:
        """Send what changed, delete what went; returns what was done (for --json and the notes).
        `empty`: a session this process has just made or claimed (nothing to ask: /app is empty)."""
        container = record.container_name
        done = self.unchanged(project)
        if not empty and await self.engine.files.link_target(container, MARK_PATH) == fingerprint(project.files):
            return done  # /app holds this listing already: nothing is read, nothing sent
        held = None if empty else await self._held(container)
        ours = held is not None and (held.by, held.root) == (self.by, str(project.root))
        known = held.files if held else {}
        entries: dict[str, list] = {}
        sent: list[str] = []
        pending = sorted(project.files)
        gone: list[str] | None = None
        while True:
            batch = _Batch()
            pending = await asyncio.to_thread(_collect, project, known, pending, batch)
            entries.update(batch.entries)
            sent += batch.send
            done["sent_bytes"] += batch.size
            if gone is None:  # before the first archive: a file may come back as a folder
                gone = sorted(set(known) - set(project.files))
                if gone:
                    await self.engine.execs.output(container, ["rm", "-f", "--", *gone], user="appuser")
            if pending:
                await self._put(container, batch.send, None)
                continue
            await self._put(container, batch.send, Manifest(self.by, str(project.root), entries))
            break
        done.update(sent_files=len(sent), deleted=gone)
        if held is not None and not ours:
            changed = [n for n in sent if n in known]
            if changed or gone:
                done["replaced"] = {"by": held.by, "root": held.root, "files": changed, "deleted": gone}
        if sent or gone:
            self._note(record.id, project.root, list(entries))
        return done

    def seed(self, project: Project) -> Seed | None:
        """A small project for an empty /app, to go in the run request; None when it is too big."""
        batch = _Batch()
        if len(project.files) > SEED_FILES or _collect(project, {}, sorted(project.files), batch) \
                or batch.size > SEED_BYTES:
            return None
        manifest = Manifest(self.by, str(project.root), batch.entries)
        done = {**self.unchanged(project), "sent_files": len(batch.send), "sent_bytes": batch.size}
        return Seed({"files": batch.send, "manifest": manifest.encode(), "mark": fingerprint(manifest.listing())},
                    done)

    def seeded(self, record: SessionRecord, seed: Seed) -> None:
        """The runner wrote the seed: noted as a sync's files are."""
        self._note(record.id, Path(seed.done["root"]), list(seed.config["files"]))

    async def _held(self, container: str) -> Manifest | None:
        try:
            return Manifest.decode(await self.engine.files.get(container, MANIFEST_PATH))
        except NotFound:
            await self.engine.containers.inspect(container)  # NotFound again: the container is gone
            return None  # nothing sent into this container yet: everything travels

    async def _put(self, container: str, files: dict[str, tuple[bytes, int]], manifest: Manifest | None) -> None:
        """One archive; if the engine fails midway (a full disk), its files and the mark are
        removed again, so that no program sees half of one and the next run sends them."""
        if not files and manifest is None:
            return
        try:
            await self.engine.files.put_archive(container, "/", archive(files, manifest))
        except EngineError as exc:
            await self.engine.execs.output(container, ["rm", "-f", "--", MARK_PATH], user="root")
            await self.engine.execs.output(container, ["rm", "-f", "--", *(f"{APP_DIR}/{n}" for n in files)],
                                           user="appuser")
            if "no space left" in str(exc):
                size = sum(len(data) for data, _ in files.values()) / 2**20
                raise EngineError(f"the session's disk is full: {plural(len(files), 'file')} ({size:.1f} MiB) did "
                                  "not fit in /app; free space in the session (msc files, msc shell) or leave "
                                  "big files out with .mscignore") from None
            raise

    def _note(self, session_id: str, root: Path, names: list[str]) -> None:
        """This machine's note of what it sent, read only to bring a removed session's project
        back (`msc restore`): a sync never compares with it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{session_id}-sent.json"
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(json.dumps({"root": str(root), "files": names}))
        os.replace(temp, path)

    async def resend(self, record: SessionRecord) -> int:
        """After a restore: the new container gets the project this machine last sent it (the
        files still here); returns how many were sent."""
        notes = sorted(self.folder.glob(f"{record.id}-*.json"), key=lambda p: p.stat().st_mtime)
        if not notes:
            return 0
        try:
            data = json.loads(notes[-1].read_text())
            root, names = Path(data["root"]), [n for n in data["files"] if safe_name(n)]
        except (OSError, ValueError, KeyError, TypeError):
            return 0
        files = {}
        for name in names:
            try:
                info = os.stat(root / name)
            except OSError:
                continue
            files[name] = (info.st_size, info.st_mtime_ns, info.st_mode & 0o777)
        if not files:
            return 0
        return (await self.sync(record, Project(root, "restored", files, "", "")))["sent_files"]
