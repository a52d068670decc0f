"""The folder msc keeps its records in (MSC_HOME, or the XDG state folder), checked before the
engine is asked: a home msc cannot write would otherwise fail only after a run or a create had
already happened, with the session left unrecorded. A new one is made private: it holds your
code (session files) and what your projects sent, and other accounts are untrusted."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import ConfigError


def check_home_folder(folder: Path) -> None:
    """ConfigError unless `folder` is a folder msc can create files in (or can be made in one);
    one not made yet is made, mode 0700 (one that exists keeps its mode: the user's choice)."""
    where = f"MSC_HOME={folder}" if os.environ.get("MSC_HOME") else str(folder)
    existing = folder
    while not existing.exists():  # a home not made yet: its first existing ancestor must take it
        if existing.parent == existing or existing.is_symlink():
            break
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{where}: {existing} is not a folder (msc keeps its records there)")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".msc-probe-")
    except OSError as exc:
        raise ConfigError(f"{where}: msc cannot write there ({exc.strerror}); "
                          "set MSC_HOME to a folder of yours") from None
    os.close(fd)
    os.unlink(probe)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{where}: msc cannot make it ({exc.strerror}); set MSC_HOME to a folder of yours") from None
