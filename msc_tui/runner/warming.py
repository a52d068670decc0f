"""What a warm server learns and checks between runs: the preload hints runs left (and their
pruning), the modules never to preload again, whether a fork can carry an import, its size."""

from __future__ import annotations

import os
import sys

from . import process
from .history import KEEP_RUNS, read_literal_file, read_meta, run_ids, write_literal
from .paths import IMPORTS_DIR, UNSAFE_FILE
from .program import third_party_roots
from .protocol import TAG_VARIABLE
from .tags import retag
from .users import set_dumpable

UNSAFE_FORMAT = 1  # the warm-unsafe file: {"format": UNSAFE_FORMAT, module: why, ...}


def read_import_hints(path: str) -> list[str]:
    """The module names in a run's hint file ([format, name, ...]; older ones: [name, ...])."""
    hints = read_literal_file(path)
    return [name for name in hints if isinstance(name, str)] if isinstance(hints, list) else []


def prune_import_hints() -> None:
    """One hint file per recorded run: past twice the runs kept, those of pruned runs go."""
    try:
        hints = os.listdir(IMPORTS_DIR)
    except OSError:
        return
    if len(hints) <= 2 * KEEP_RUNS:
        return
    kept = {str(meta.get("tag")) for meta in map(read_meta, run_ids()) if meta}
    for tag in set(hints) - kept:
        try:
            os.unlink(os.path.join(IMPORTS_DIR, tag))
        except OSError:
            pass


def unsafe_modules() -> dict[str, str]:
    """{module: why it is never preloaded} (entries of a kind this version does not know are left out)."""
    found = read_literal_file(UNSAFE_FILE)
    if not isinstance(found, dict):
        return {}
    return {name: why for name, why in found.items() if isinstance(name, str) and isinstance(why, str)}


def write_unsafe_modules(unsafe: dict[str, str]) -> None:
    write_literal(UNSAFE_FILE, {"format": UNSAFE_FORMAT, **unsafe})


def third_party(name: str) -> bool:
    """Whether `name` is a module installed in site-packages (what a warm server may preload)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    where = (spec.origin if spec and spec.has_location else None) or \
        next(iter(spec.submodule_search_locations or ()), None) if spec else None
    if not where:
        return False
    return os.path.realpath(where).startswith(third_party_roots())


def can_retag() -> bool:
    """Whether a fork can get its own kill tag here (rewriting the same tag, to see that it can
    be done). A worker is not dumpable, so its own /proc files are closed to it: a program,
    dumpable again, tries instead."""
    if not process.recorded:
        try:
            retag(os.environ.get(TAG_VARIABLE, ""))
            return True
        except OSError:
            return False
    pid = os.fork()
    if pid == 0:
        try:
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1):
                os.dup2(null, fd)
            os.closerange(3, 1024)
            set_dumpable(1)
            retag(os.environ.get(TAG_VARIABLE, ""))
            os._exit(0)
        except BaseException:
            os._exit(1)
    return os.waitpid(pid, 0)[1] == 0


def fork_hazard(fds_before: set[str]) -> str | None:
    if len(sys._current_frames()) > 1:
        return "starts a thread at import"
    for fd in set(os.listdir("/proc/self/fd")) - fds_before:
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                return "opens a socket at import"
        except OSError:
            pass
    return None


def rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def memory_limit() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path) as f:
                value = f.read().strip()
        except OSError:
            continue
        return int(value) if value.isdigit() and int(value) < 1 << 60 else None
    return None
