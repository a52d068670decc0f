"""What the user asked msc to install in a session, kept in the container as well as in the record.

A record rebuilt from the container's labels (a lost state file, `msc ls` adopting the home's
containers) would otherwise know the installed packages but not which of them were asked for.
The list lives in /opt/msc/requested.json, root's and 0644 in a root-owned folder: a program in
the session (appuser) or the installer's user can read it but not rewrite what msc reports.
"""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
import time

from packaging.requirements import InvalidRequirement, Requirement

from ..engine import Engine
from ..errors import NotFound

REQUESTED_DIR = "/opt/msc"
REQUESTED_PATH = f"{REQUESTED_DIR}/requested.json"


def updated(current: list[str], specs: list[str], add: bool) -> list[str]:
    """`current` with the packages `specs` name replaced by `specs` (install) or dropped (uninstall)."""
    names = {Requirement(s).name.lower() for s in specs}
    kept = [s for s in current if _name(s) not in names]
    return kept + (specs if add else [])


def _name(spec: str) -> str:
    try:
        return Requirement(spec).name.lower()
    except InvalidRequirement:
        return spec


def _archive(specs: list[str]) -> bytes:
    data = json.dumps({"version": 1, "requested": specs}).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("requested.json")
        info.uid = info.gid = 0
        info.mode, info.size, info.mtime = 0o644, len(data), time.time()
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def keep(engine: Engine, container: str, specs: list[str]) -> None:
    """Write the session's requested list into its container (root-owned)."""
    await engine.files.put_archive(container, REQUESTED_DIR, _archive(specs))


async def read(engine: Engine, container: str) -> list[str]:
    """The requested list kept in the container; [] when it has none (a session from before, or
    a file that is not msc's)."""
    try:
        raw = json.loads(await engine.files.get(container, REQUESTED_PATH))
    except (NotFound, ValueError):  # (an engine that went away is said by its own error)
        return []
    specs = raw.get("requested") if isinstance(raw, dict) and raw.get("version") == 1 else None
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        return []
    return specs


async def read_each(engine: Engine, containers: list[str]) -> dict[str, list[str]]:
    """The requested lists of several containers, asked at once."""
    lists = await asyncio.gather(*(read(engine, name) for name in containers))
    return dict(zip(containers, lists, strict=True))
