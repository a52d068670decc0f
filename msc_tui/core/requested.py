"""What the user asked msc to install in a session, kept in the container as well as in the record.

A record rebuilt from the container's labels (a lost state file, `msc ls` adopting the home's
containers) would otherwise know the installed packages but not which of them were asked for.
Each install or uninstall adds one file of its own to /opt/msc/requested.d (never rewrites one):
two clients changing the list at the same instant (a pair in one session) cannot lose each
other's change, as a read-modify-write of one file would. The list is the changes replayed in
the order of their names (time, then a random tag), over /opt/msc/requested.json, the one file
msc kept before. All are root's and 0644 in root-owned folders: a program in the session
(appuser) or the installer's user can read them but not rewrite what msc reports.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import tarfile
import time

from packaging.requirements import InvalidRequirement, Requirement

from ..engine import Engine
from ..errors import NotFound

REQUESTED_DIR = "/opt/msc"
REQUESTED_PATH = f"{REQUESTED_DIR}/requested.json"  # the whole list, as msc kept it before requested.d
CHANGES = "requested.d"


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


def _change_archive(specs: list[str], add: bool) -> bytes:
    """A tar of requested.d/ holding one new change (root's, 0644; the folder root's, 0755)."""
    data = json.dumps({"version": 1, "add": add, "specs": specs}).encode()
    name = f"{CHANGES}/{time.time_ns():020d}-{secrets.token_hex(4)}.json"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo(CHANGES)
        folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, time.time()
        tar.addfile(folder)
        info = tarfile.TarInfo(name)
        info.mode, info.size, info.mtime = 0o644, len(data), time.time()
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def remember(engine: Engine, container: str, specs: list[str], add: bool) -> None:
    """Add to the container's requested list that `specs` were installed (add) or uninstalled."""
    await engine.files.put_archive(container, REQUESTED_DIR, _change_archive(specs, add))


async def read(engine: Engine, container: str) -> list[str]:
    """The requested list kept in the container; [] when it has none (a session from before, or
    files that are not msc's)."""
    try:
        raw = json.loads(await engine.files.get(container, REQUESTED_PATH))
    except (NotFound, ValueError):  # (an engine that went away is said by its own error)
        raw = None
    specs = raw.get("requested") if isinstance(raw, dict) and raw.get("version") == 1 else None
    current = specs if isinstance(specs, list) and all(isinstance(s, str) for s in specs) else []
    for change in await _changes(engine, container):
        current = updated(current, change["specs"], change["add"])
    return current


async def _changes(engine: Engine, container: str) -> list[dict]:
    """requested.d's changes in order; one that is not msc's form is passed over."""
    try:
        archive = await engine.files.get_archive(container, f"{REQUESTED_DIR}/{CHANGES}")
    except NotFound:
        return []
    changes = []
    with archive:
        for member in sorted((m for m in archive.getmembers() if m.isfile()), key=lambda m: m.name):
            try:
                change = json.loads(archive.extractfile(member).read())  # type: ignore[union-attr]
                specs = change["specs"]
                if change.get("version") == 1 and isinstance(change["add"], bool) and isinstance(specs, list) \
                        and all(isinstance(s, str) and _valid(s) for s in specs):
                    changes.append(change)
            except (ValueError, TypeError, KeyError):
                continue
    return changes


def _valid(spec: str) -> bool:
    try:
        Requirement(spec)
    except InvalidRequirement:
        return False
    return True


async def read_each(engine: Engine, containers: list[str]) -> dict[str, list[str]]:
    """The requested lists of several containers, asked at once."""
    lists = await asyncio.gather(*(read(engine, name) for name in containers))
    return dict(zip(containers, lists, strict=True))
