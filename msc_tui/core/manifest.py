"""The session's own record of the project files its /app holds, kept in the container.

The container, not a memory on this machine, is what a sync compares against: a pair on
another account may have sent its own files into the same /app since. The record lives in
/opt/msc/project (root-owned: a program in the session cannot rewrite it) as
`manifest.json` (who sent the project, from which folder, and per file: size, mtime, SHA-256,
permission bits) and `current`, a symbolic link whose target is the fingerprint of that
listing. A rerun compares its own listing's fingerprint with the link's target (one HEAD
request, no tar: docker reads a file out of a container as slowly as it runs an exec) and
reads the manifest only when they differ.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .files import APP_DIR
from .project import FileStat
from .recipe import APP_UID

MANIFEST_DIR = "/opt/msc/project"
MANIFEST_PATH = f"{MANIFEST_DIR}/manifest.json"
MARK_PATH = f"{MANIFEST_DIR}/current"
UNKNOWN_MTIME = -1  # a file that changed while msc read it: what was sent is compared by hash next time

Entry = list  # [size, mtime_ns, sha256 hex, permission bits]


class ProjectStale(Exception):
    """The session's runner found /app holding another listing than the run expected (the
    program did not start): the project is synced, and the run goes again."""


def fingerprint(listing: dict[str, FileStat]) -> str:
    """Of names, sizes, mtimes and permission bits: equal listings, equal fingerprints."""
    text = "".join(f"{name}\0{size}\0{mtime}\0{mode}\n" for name, (size, mtime, mode) in sorted(listing.items()))
    return f"v1-{hashlib.sha256(text.encode('utf-8', 'surrogateescape')).hexdigest()[:40]}"


def safe_name(name: str) -> bool:
    """A path a manifest may name: relative, inside /app."""
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and ".." not in parts and "\0" not in name


@dataclass
class Manifest:
    by: str  # user@host of whoever sent the project
    root: str  # the project's folder on the sender's machine
    files: dict[str, Entry] = field(default_factory=dict)

    def listing(self) -> dict[str, FileStat]:
        return {name: (entry[0], entry[1], entry[3]) for name, entry in self.files.items()}

    def encode(self) -> bytes:
        return json.dumps({"version": 1, "by": self.by, "root": self.root, "files": self.files}).encode()

    @classmethod
    def decode(cls, data: bytes) -> Manifest | None:
        """None for anything that is not a manifest of this version (then everything travels)."""
        try:
            raw = json.loads(data)
            files = {name: list(entry) for name, entry in raw["files"].items()
                     if safe_name(name) and len(entry) == 4}
            return cls(str(raw["by"]), str(raw["root"]), files) if raw.get("version") == 1 else None
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def archive(files: dict[str, tuple[bytes, int]], manifest: Manifest | None) -> bytes:
    """One tar to unpack at `/`: the files into /app (the program's user owns them, with their
    own permission bits), then the manifest and its mark (root's). Folders are given for /app's
    subfolders and the manifest's only, so nothing else of `/` changes owner or mode."""
    buffer = io.BytesIO()
    now = time.time()
    app = APP_DIR.strip("/")

    def add(name: str, uid: int, mode: int, kind: bytes = tarfile.REGTYPE, data: bytes = b"",
            target: str = "") -> None:
        info = tarfile.TarInfo(name)
        info.type, info.uid, info.gid, info.mode, info.mtime = kind, uid, uid, mode, now
        info.size, info.linkname = len(data), target
        tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for folder in sorted({str(p) for name in files for p in PurePosixPath(name).parents if str(p) != "."}):
            add(f"{app}/{folder}", APP_UID, 0o755, tarfile.DIRTYPE)
        for name, (data, mode) in files.items():
            add(f"{app}/{name}", APP_UID, mode, data=data)
        if manifest is not None:
            where = MANIFEST_DIR.strip("/")
            add(where, 0, 0o755, tarfile.DIRTYPE)
            add(f"{where}/manifest.json", 0, 0o644, data=manifest.encode())
            add(f"{where}/current", 0, 0o777, tarfile.SYMTYPE, target=fingerprint(manifest.listing()))
    return buffer.getvalue()
