"""What never travels into a shared session, whatever the project.

A session may be shared with a pair on another account, so a home folder, a folder above
one, `/` and the system temp folder are never a project (a script there travels alone with
its local imports), and credentials, shell histories and msc's own state are left out of
every project. The files msc's own stdout and stderr go to are never sent either: they are
being written while msc reads the folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..config import config_dir, state_dir

# Folders and files that hold keys, tokens or passwords (matched as a path's part, anywhere).
CREDENTIALS = frozenset({".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".netrc", ".pypirc",
                         ".git-credentials", ".lesshst", "fish_history", ".env", ".envrc", ".npmrc", ".pgpass",
                         ".my.cnf", ".vault-token", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"})
# `.env.local`, `.env.production`, ... hold secrets too; these name templates meant to be shared
ENV_TEMPLATES = frozenset({".env.example", ".env.sample", ".env.template", ".env.dist"})

OutputFiles = frozenset[tuple[int, int]]  # (st_dev, st_ino) of the files msc's stdout/stderr go to


def is_credential(part: str) -> bool:
    """A credentials folder or file (a dotenv file too, but its templates), or a shell or REPL
    history (.bash_history, .python_history, ...)."""
    return (part in CREDENTIALS or (part.startswith(".env.") and part not in ENV_TEMPLATES)
            or (part.startswith(".") and part.lower().endswith("history")))


def own_folders() -> set[Path]:
    """MSC_HOME, or msc's config and state folders."""
    return {config_dir().resolve(), state_dir().resolve()}


def never_a_project(folder: Path) -> str | None:
    """Why this folder never travels as a project (None: it may)."""
    home = Path.home().resolve()
    if any(folder == own or own in folder.parents for own in own_folders()):
        return "msc's own folder"
    if folder == Path(folder.anchor):
        return "the filesystem's root"
    if folder == home:
        return "your home folder"
    if folder in home.parents:
        return "a folder above your home folder"
    if folder in {Path(tempfile.gettempdir()).resolve(), Path("/tmp").resolve(), Path("/var/tmp").resolve()}:
        return "the system temp folder"
    return None


def own_state_inside(root: Path) -> list[str]:
    """msc's own folders (MSC_HOME, or its config and state folders) inside `root`, relative."""
    return [own.relative_to(root).as_posix() for own in own_folders() if root in own.parents]


def output_files() -> OutputFiles:
    """What this process's stdout and stderr are (a terminal or a pipe matches no project file)."""
    found = set()
    for fd in (1, 2):
        try:
            info = os.fstat(fd)
        except OSError:
            continue
        found.add((info.st_dev, info.st_ino))
    return frozenset(found)
