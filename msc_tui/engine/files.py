"""Copy files into a container and read them back (tar archives over the API)."""

from __future__ import annotations

import base64
import io
import json
import tarfile
import time
from pathlib import PurePosixPath

import aiodocker

from ..errors import NotFound
from .errors import engine_errors

COPY_CHUNK = 1 << 20


def pack(files: dict[str, bytes], uid: int = 1000, gid: int = 1000) -> bytes:
    """A tar of {relative path: content}; directories are implied by the paths."""
    buffer = io.BytesIO()
    now = time.time()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        dirs = {str(p) for path in files for p in PurePosixPath(path).parents if str(p) != "."}
        for directory in sorted(dirs):
            info = tarfile.TarInfo(directory)
            info.type, info.mode, info.uid, info.gid, info.mtime = tarfile.DIRTYPE, 0o755, uid, gid, now
            tar.addfile(info)
        for path, content in files.items():
            info = tarfile.TarInfo(path)
            info.size, info.mode, info.uid, info.gid, info.mtime = len(content), 0o644, uid, gid, now
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


class Files:
    def __init__(self, docker: aiodocker.Docker, endpoint: str):
        self._docker = docker
        self._endpoint = endpoint

    async def put(self, container: str, directory: str, files: dict[str, bytes]) -> None:
        """Write files (paths relative to `directory`, which must exist) into the container."""
        with engine_errors(f"{container}:{directory}", self._endpoint):
            await self._docker.containers.container(container).put_archive(directory, pack(files))

    async def put_archive(self, container: str, directory: str, archive: bytes) -> None:
        """Unpack a tar made by the caller into `directory` of the container."""
        with engine_errors(f"{container}:{directory}", self._endpoint):
            await self._docker.containers.container(container).put_archive(directory, archive)

    async def copy(self, source: str, path: str, target: str, directory: str) -> None:
        """`path` of one container into `directory` (which exists) of another, as the engine's
        tar streams out of one and into the other (never whole in memory): owners, modes and
        links kept, as the archive's headers say them. A stream that breaks off (a file that
        shrank while the engine read it) fails the unpacking: EngineError."""
        with engine_errors(f"{source}:{path}", self._endpoint):
            async with self._docker._query(f"containers/{source}/archive", params={"path": path}) as out:
                with engine_errors(f"{target}:{directory}", self._endpoint):
                    async with self._docker._query(
                            f"containers/{target}/archive", method="PUT", params={"path": directory},
                            data=out.content.iter_chunked(COPY_CHUNK), headers={"Content-Type": "application/x-tar"}):
                        pass

    async def _stat(self, container: str, path: str) -> dict | None:
        """What the engine says of a path in the container, without reading it (one HEAD request,
        no tar: a few ms where a read costs as much as an exec); None when `path` is missing (or
        the container is: the next call says so) or the engine cannot say."""
        with engine_errors(f"{container}:{path}", self._endpoint):
            try:
                async with self._docker._query(f"containers/{container}/archive", method="HEAD",
                                               params={"path": path}) as response:
                    header = response.headers.get("X-Docker-Container-Path-Stat", "")
            except ValueError:  # an error without a body (HEAD): aiodocker cannot decode it
                return None
            except aiodocker.DockerError as exc:
                if exc.status == 900:  # no engine: said as such
                    raise
                return None
        try:
            found = json.loads(base64.b64decode(header))
        except ValueError:
            return None
        return found if isinstance(found, dict) else None

    async def link_target(self, container: str, path: str) -> str | None:
        """The name a symbolic link in the container points to; None when `path` is missing or
        not a link (the caller then reads the record instead)."""
        target = ((await self._stat(container, path)) or {}).get("linkTarget") or ""
        return PurePosixPath(target).name or None  # the engine gives it resolved against the link's folder

    async def exists(self, container: str, path: str) -> bool:
        return await self._stat(container, path) is not None

    async def get_archive(self, container: str, path: str) -> tarfile.TarFile:
        """A file or a folder of the container as a tar (its top entry named like `path`)."""
        with engine_errors(f"{container}:{path}", self._endpoint):
            return await self._docker.containers.container(container).get_archive(path)

    async def get(self, container: str, path: str) -> bytes:
        """The content of one regular file in the container."""
        with engine_errors(f"{container}:{path}", self._endpoint):
            archive = await self._docker.containers.container(container).get_archive(path)
        with archive:
            member = archive.next()
            # (a link is not followed: tarfile would look for its target inside this archive)
            extracted = archive.extractfile(member) if member and member.isfile() else None
            if extracted is None:
                raise NotFound(f"{container}:{path}: not a regular file")
            return extracted.read()
