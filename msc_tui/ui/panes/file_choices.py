"""What ctrl+o offers to open: any local path, the local project's Python files, the session's files."""

from __future__ import annotations

from pathlib import Path

from ...core.project import find_root, scan_project
from ...core.state import SessionRecord
from ...errors import MscError

LOCAL_PATH = "a local path..."


def file_choices(local_path: Path | None, session: SessionRecord | None) -> list[str]:
    choices = [LOCAL_PATH]
    if local_path:
        try:
            root = find_root(local_path)[0]
            names = scan_project(local_path, 200, 20000, cwd=root).files
            choices += sorted(str(root / name) for name in names if name.endswith(".py"))[:200]
        except MscError:  # a project over the limits: the path input still opens anything
            pass
    if session:
        choices += [f"session: {name}" for name in session.session_files]
    return choices
