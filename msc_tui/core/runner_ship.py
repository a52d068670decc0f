"""Shipping the session runner (the msc_tui.runner package) into a session as one file.

The package's sources go, as a zip, in the argv of one exec as root; there the placing script
adds each module's bytecode, compiled by the session's own interpreter, and puts the zip at
/opt/msc/msc_runner_<hash>.zip (root-owned, 0644, replaced atomically). The hash is of the
sources and the placing script, so any change to either is a new name: versions never mix, and
a session that lacks this version's file gets it at its first run (the bootstrap exits
MISSING_EXIT). The bootstrap puts the zip first on sys.path and imports the package from it
(zipimport works under `python3 -S`), under the name msc_runner_<hash>.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..engine import Engine
from ..errors import EngineError
from ..runner import protocol

FOLDER = "/opt/msc"  # where sessions keep the runner (root-owned)

PACKAGE_DIR = Path(protocol.__file__).parent

# Run by root in the session (`python3 -S -c PLACE PATH SOURCES`): standard library only. Each
# module's bytecode is compiled here, by the interpreter that will import it, under the name its
# tracebacks show; unchecked hash-based .pyc files, as the zip never changes under its name. Fixed
# dates (a placing at the same time writes the same layout); stored, so an import needs no zlib.
PLACE = """\
import base64, importlib.util, io, marshal, os, sys, zipfile
path = sys.argv[1]
temp = f"{path}.{os.getpid()}.tmp"  # runs that start together each place their own copy
os.makedirs(os.path.dirname(path), exist_ok=True)
with zipfile.ZipFile(io.BytesIO(base64.b64decode(sys.argv[2]))) as sources, zipfile.ZipFile(temp, "w") as placed:
    for name in sources.namelist():
        source = sources.read(name)
        code = compile(source, f"{path}/{name}", "exec", dont_inherit=True)
        header = importlib.util.MAGIC_NUMBER + (1).to_bytes(4, "little") + importlib.util.source_hash(source)
        for entry, data in ((name, source), (name + "c", header + marshal.dumps(code))):
            placed.writestr(zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0)), data)
os.chmod(temp, 0o644)
os.replace(temp, path)
"""


@dataclass(frozen=True)
class Shipped:
    name: str  # msc_runner_<hash>: the package's name in the session, and its file's (.zip)
    sources: bytes  # a zip of the package's modules under that name


def _package_sources() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(PACKAGE_DIR.glob("*.py"))}


@cache
def shipped() -> Shipped:
    sources = _package_sources()
    digest = hashlib.sha256(PLACE.encode())
    for module, source in sources.items():
        digest.update(b"\0" + module.encode() + b"\0" + hashlib.sha256(source).digest())
    name = f"msc_runner_{digest.hexdigest()[:12]}"
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for module, source in sources.items():
            archive.writestr(zipfile.ZipInfo(f"{name}/{module}", date_time=(1980, 1, 1, 0, 0, 0)), source,
                             compress_type=zipfile.ZIP_DEFLATED)
    return Shipped(name, data.getvalue())


def file_path(folder: str) -> str:
    return f"{folder}/{shipped().name}.zip"


def boot(folder: str) -> str:
    """The bootstrap (`python3 -S -c BOOT MODE ...`): the runner placed in `folder`, else MISSING_EXIT."""
    name = shipped().name
    return (f"import sys\nsys.path[0] = {file_path(folder)!r}\n"
            f"try:\n    import {name}.main as runner\nexcept ImportError:\n    sys.exit({protocol.MISSING_EXIT})\n"
            "sys.exit(runner.main(sys.argv[1:]))\n")


def place_argv(folder: str) -> list[str]:
    """The command (for root) that places this version's runner in `folder`."""
    return ["python3", "-S", "-c", PLACE, file_path(folder), base64.b64encode(shipped().sources).decode()]


async def place(engine: Engine, container: str) -> None:
    """Copy this version's runner into the container (root-owned, compiled once)."""
    code, _, err = await engine.execs.output(container, place_argv(FOLDER), user="root")
    if code != 0:
        raise EngineError(f"could not place msc's runner in {container}: {err.strip().splitlines()[-1:]}")
