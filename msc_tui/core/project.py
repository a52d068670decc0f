"""The modules a script imports from beside itself, to send along with it.

`python app.py` finds helpers.py and pkg/ next to app.py; `msc run app.py` should too.
Only what the script imports (transitively) goes, .py files only, within a size limit.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import NotFound, UsageError
from .apptypes import imported_modules
from .imports import local_modules

MAX_BYTES = 5 * 1024 * 1024  # all the local modules sent along
MAX_SOURCE = 5 * 1024 * 1024  # one script


def decode_source(data: bytes, where: str) -> str:
    """Code as Python reads it: UTF-8, a BOM allowed; anything else is one clear line."""
    if len(data) > MAX_SOURCE:
        raise UsageError(f"{where}: over {MAX_SOURCE // 2**20} MiB, not a script msc runs")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{where}: not a UTF-8 Python source file") from None


def read_source(path: Path) -> str:
    try:
        if not path.is_file():  # a folder, /dev/zero, a pipe: nothing python would run as a script
            raise NotFound(f"no such file: {path}") if not path.exists() else \
                UsageError(f"{path}: not a regular file")
        with path.open("rb") as source:
            return decode_source(source.read(MAX_SOURCE + 1), str(path))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror})") from None


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
