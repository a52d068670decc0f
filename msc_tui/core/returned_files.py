"""Files that come back from a session: names checked on the way in, places on the way out.

A run's `changed_files` comes from the session, so a program can make it say `/tmp/x` or
`../../../home/you/.bashrc`. `inside_app` keeps only names that are relative, stay inside
/app once normalized, and have no control characters; every face (CLI, API, TUI) gets the
list through it. `destination` is the second check, when saving into a folder the user
chose: the resolved path (symlinks already in that folder followed) must stay inside it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .copying import Copying

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def inside_app(names: object) -> list[str]:
    """The names that are safe paths relative to /app, normalized; the others dropped."""
    if not isinstance(names, list):
        return []
    kept = []
    for name in names:
        if not isinstance(name, str) or not name or name.startswith("/") or _CONTROL.search(name):
            continue
        normal = posixpath.normpath(name)
        if normal in (".", "..") or normal.startswith("../"):
            continue
        kept.append(normal)
    return kept


def destination(folder: Path, name: str) -> Path | None:
    """Where `name` is saved in `folder`, or None when it would land outside it (its name
    escapes, or a symlink on its way points out)."""
    if not inside_app([name]):
        return None
    root = folder.resolve()
    target = (root / name).resolve()
    return target if target != root and target.is_relative_to(root) else None


async def save(copying: Copying, container: str, names: list[str], folder: Path) -> tuple[list[Path], list[str]]:
    """Copy each named file from the session's /app into `folder`: (where each saved one
    went, the names refused because they would land outside `folder`)."""
    saved, refused = [], []
    for name in names:
        target = destination(folder, name)
        if target is None:
            refused.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        saved.append(await copying.out(container, name, target))
    return saved, refused
