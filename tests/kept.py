"""What the tests keep between runs, in ~/.cache/msc-test (as Docker keeps its images): the test
CA, the private dockerd's data root, Podman's storage. Delete the folder to start afresh."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


def cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "msc-test"


def take(name: str) -> tuple[Path, IO | None]:
    """The kept folder `name` and its lock, held until closed; None when another suite on the
    machine holds it now (that one then makes a throwaway one of its own)."""
    folder = cache_folder() / name
    folder.mkdir(parents=True, exist_ok=True)
    lock = open(folder / "lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        return folder, None
    return folder, lock
