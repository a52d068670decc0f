"""`msc cp` and `msc files`: files between this machine and a session, like `docker cp`.

Paths inside a session are confined to /app and /tmp (after resolving `..`); anything else
is refused. Copies in are owned by appuser, so programs can change them; copies out are
unpacked with tarfile's data filter (no links or devices outside the target).
"""

from __future__ import annotations

import io
import posixpath
import tarfile
from pathlib import Path

from ..engine import Engine
from ..errors import NotFound, UsageError
from .files import APP_DIR

ALLOWED = (APP_DIR, "/tmp")


def split_target(text: str) -> tuple[str | None, str]:
    """'S:/app/x' -> ('S', '/app/x'); a local path -> (None, path)."""
    session, colon, path = text.partition(":")
    if colon and session and "/" not in session:
        return session, path
    return None, text


def confined(path: str) -> str:
    """An absolute path in the session, inside /app or /tmp; relative paths are under /app."""
    resolved = posixpath.normpath(posixpath.join(APP_DIR, path or "."))
    if not any(resolved == root or resolved.startswith(root + "/") for root in ALLOWED):
        raise UsageError(f"refused {path!r}: msc copies only inside a session's /app and /tmp")
    return resolved


def _pack_local(source: Path, name: str, uid: int = 1000) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        def owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
            info.uid = info.gid = uid
            info.uname = info.gname = "appuser"
            return info
        tar.add(source, arcname=name, filter=owned)
    return buffer.getvalue()


class Copying:
    def __init__(self, engine: Engine):
        self.engine = engine

    async def _is_dir(self, container: str, path: str) -> bool:
        code, _, _ = await self.engine.execs.output(container, ["test", "-d", path], user="appuser")
        return code == 0

    async def into(self, container: str, source: Path, target: str) -> str:
        """Copy a local file or folder to `target` in the session; returns where it went."""
        target = confined(target)
        if not source.exists():
            raise NotFound(f"no such file or folder: {source}")
        if await self._is_dir(container, target):
            directory, name = target, source.name
        else:
            directory, name = posixpath.dirname(target), posixpath.basename(target)
            if not await self._is_dir(container, directory):
                raise NotFound(f"{container}:{directory}: no such folder")
        try:
            archive = _pack_local(source, name)
        except OSError as exc:
            raise UsageError(f"{exc.filename or source}: cannot read it ({exc.strerror})") from None
        await self.engine.files.put_archive(container, directory, archive)
        return posixpath.join(directory, name)

    async def out(self, container: str, source: str, target: Path) -> Path:
        """Copy a file or folder of the session to a local path; returns where it went."""
        source = confined(source)
        archive = await self.engine.files.get_archive(container, source)
        with archive:
            members = archive.getmembers()
            if not members:
                raise NotFound(f"{container}:{source}: nothing there")
            top = members[0].name.split("/")[0]
            if target.is_dir():
                destination, rename = target, None
            else:
                destination, rename = target.parent, target.name
            if not destination.is_dir():
                raise NotFound(f"no such folder: {destination}")
            try:
                for member in members:
                    if rename:
                        member.name = rename + member.name[len(top):]
                    archive.extract(member, destination, filter="data")
            except tarfile.TarError as exc:  # a link pointing out, an absolute path: refused, not followed
                raise UsageError(f"{container}:{source}: refused to unpack {exc}") from None
            except OSError as exc:
                raise UsageError(f"{exc.filename or destination}: cannot write it ({exc.strerror})") from None
        return destination / (rename or top)

    async def put(self, container: str, files: dict) -> None:
        """{path: bytes or str} into the session (paths confined like every msc copy)."""
        by_root: dict[str, dict[str, bytes]] = {}
        for name, data in files.items():
            target = confined(name)
            root = next(r for r in ALLOWED if target.startswith(r + "/"))  # never /app or /tmp itself
            by_root.setdefault(root, {})[target[len(root) + 1:]] = data.encode() if isinstance(data, str) else data
        for root, placed in by_root.items():  # unpacked inside the root: its own mode stays as it is
            await self.engine.files.put(container, root, placed)

    async def read(self, container: str, path: str) -> bytes:
        return await self.engine.files.get(container, confined(path))

    async def listing(self, container: str, folder: str = APP_DIR) -> list[dict]:
        """Every file under a folder (/app unless said; confined): path in it, size, modification time."""
        folder = confined(folder)
        code, out, err = await self.engine.execs.output(
            container, ["find", folder, "-type", "f", "-printf", "%P\\t%s\\t%T@\\n"], user="appuser")
        if code != 0:
            raise NotFound(f"{container}: cannot list {folder} ({err.strip()[-200:]})")
        rows = [line.split("\t") for line in out.splitlines() if line.count("\t") == 2]
        return sorted(({"path": p, "size": int(s), "modified": float(t)} for p, s, t in rows), key=lambda r: r["path"])
