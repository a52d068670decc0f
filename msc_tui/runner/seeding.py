"""A new session's small project, written from the run request itself (a "seed").

A session msc has just made or claimed from the warm pool has an empty /app. Sending its
project as an engine archive costs 50-110 ms, more than the run; so the client puts a small
project into the run's config instead. The worker (the program's user: it writes nothing a
program could not) creates each file, never over anything already there; root's recorder
then writes the project's record (core/manifest.py), which a program cannot. Anything in the
way (a file there already, a full disk, a runner without a recorder) leaves no file behind
and answers "project stale": the client then sends the project as an archive.
"""

from __future__ import annotations

import os

from . import process
from .paths import APP_DIR, PROJECT_MARK
from .protocol import PROJECT, literal_frame

HEX = frozenset("0123456789abcdef")


def _safe(name: object) -> bool:
    return (isinstance(name, str) and bool(name) and not name.startswith("/") and "\0" not in name
            and all(part not in ("", ".", "..") for part in name.split("/")))


def _fingerprint(mark: str) -> bool:
    """core/manifest.py's form: v1- and 40 hex digits (the link's target, never a path)."""
    return len(mark) == 43 and mark.startswith("v1-") and set(mark[3:]) <= HEX


def plant(seed: dict) -> bool:
    """The seed's files into /app, created afresh (a worker's part); then its record to root.
    False (and nothing left behind) when it cannot be done."""
    files = seed.get("files")
    if not process.recorded or not isinstance(files, dict) or not all(map(_safe, files)):
        return False
    made: list[str] = []
    try:
        for name, (data, mode) in sorted(files.items()):
            parts = name.split("/")
            for depth in range(1, len(parts)):
                folder = os.path.join(APP_DIR, *parts[:depth])
                if folder not in made:
                    os.mkdir(folder, 0o755)  # never into a folder that was there before
                    made.append(folder)
            path = os.path.join(APP_DIR, name)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            made.append(path)
            try:
                process.write_all(fd, data)
                os.fchmod(fd, mode & 0o777)
            finally:
                os.close(fd)
    except (OSError, TypeError, ValueError):
        for path in reversed(made):
            try:
                (os.rmdir if os.path.isdir(path) and not os.path.islink(path) else os.unlink)(path)
            except OSError:
                pass
        return False
    process.send(literal_frame(PROJECT, {"manifest": seed["manifest"], "mark": seed["mark"]}))
    return True


def keep_record(payload: dict) -> None:
    """Root's part: the project's record, as an archive sync writes it (manifest, then its mark)."""
    manifest, mark = payload["manifest"], payload["mark"]
    if not isinstance(manifest, bytes) or not isinstance(mark, str) or not _fingerprint(mark):
        return
    folder = os.path.dirname(PROJECT_MARK)
    temp = os.path.join(folder, f".seed-{os.getpid()}")
    try:
        os.makedirs(folder, mode=0o755, exist_ok=True)
        with open(temp, "wb") as f:
            f.write(manifest)
        os.chmod(temp, 0o644)
        os.replace(temp, os.path.join(folder, "manifest.json"))
        os.symlink(mark, temp)
        os.replace(temp, PROJECT_MARK)
    except OSError:  # a full disk: no mark, so the next run's client compares and sends what differs
        for path in (temp, PROJECT_MARK):
            try:
                os.unlink(path)
            except OSError:
                pass
