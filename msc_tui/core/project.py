"""The modules a script imports from beside itself, to send along with it.

`python app.py` finds helpers.py and pkg/ next to app.py; `msc run app.py` should too.
Only what the script imports (transitively) goes, .py files only, within a size limit.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import NotFound, UsageError
from .apptypes import imported_modules
from .imports import local_modules

MAX_BYTES = 5 * 1024 * 1024


def read_source(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"no such file: {path}") from None
    except (UnicodeDecodeError, IsADirectoryError):
        raise UsageError(f"{path}: not a UTF-8 Python source file") from None


def companions(entry: Path) -> dict[str, str]:
    """{path relative to the script's folder: code} for every local module it needs."""
    folder = entry.resolve().parent
    local = set(local_modules(folder)) - {entry.stem}
    found: dict[str, str] = {}
    pending, seen = [read_source(entry)], set()
    while pending:
        for name in sorted((imported_modules(pending.pop()) & local) - seen):
            seen.add(name)
            module = folder / f"{name}.py"
            for path in [module] if module.is_file() else sorted((folder / name).rglob("*.py")):
                code = read_source(path)
                found[path.relative_to(folder).as_posix()] = code
                pending.append(code)
    if sum(len(code.encode()) for code in found.values()) > MAX_BYTES:
        raise UsageError(f"the local modules {entry.name} imports exceed {MAX_BYTES // 2**20} MiB; "
                         "run from a smaller folder")
    return found
