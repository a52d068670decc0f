"""Running code in a session: one exec, output streamed, the seed's result dictionary.

The code travels inside the exec's argv and a few lines of bootstrap write it to the session
file and run it in the same interpreter: a run costs one exec, not a file copy plus an exec
(a copy costs as much as the exec itself). Tracebacks name the real file.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from dataclasses import dataclass, field
from typing import Callable

from ..engine import Engine
from ..engine.execs import STDOUT
from ..errors import NotFound, NotRunning, UsageError
from .files import APP_DIR
from .imports import analyze
from .sessions import Sessions, container_gone
from .state import SessionRecord

ARGV_LIMIT = 100_000  # one argv string may be at most 128 KiB (MAX_ARG_STRLEN)
CAPTURE_LIMIT = 8 * 1024 * 1024  # per stream kept for the result; streaming shows everything
TIMEOUT_EXIT = 124

# argv: path [code]. Without code the file is already in place (large code is copied first).
BOOTSTRAP = """\
import sys
def _msc_main():
    path = sys.argv[1]
    if len(sys.argv) > 2:
        with open(path, "w") as f: f.write(sys.argv[2])
    with open(path) as f: code = f.read()
    sys.argv[:] = [path]
    sys.path[0] = path.rsplit("/", 1)[0]
    hook = sys.excepthook
    def hide_bootstrap(kind, value, tb):
        while tb is not None and tb.tb_frame.f_code.co_filename == "<string>":
            tb = tb.tb_next
        hook(kind, value.with_traceback(tb), tb)
    sys.excepthook = hide_bootstrap
    main = sys.modules["__main__"]
    main.__dict__.pop("_msc_main", None)
    main.__file__ = path
    exec(compile(code, path, "exec"), main.__dict__)
_msc_main()
"""

OnOutput = Callable[[str, str], None]  # ("stdout" | "stderr", text)
_EXCEPTION = re.compile(r"^(\w+(?:\.\w+)*(?:Error|Exception|Interrupt|Exit|Warning)|\w+Error): ?(.*)$")


def check_filename(name: str) -> str:
    if not re.fullmatch(r"[\w.-]+(/[\w.-]+)*\.py", name) or ".." in name.split("/"):
        raise UsageError(f"bad session file name {name!r} (a relative path ending in .py)")
    return name


@dataclass
class _Capture:
    """Decodes frames incrementally (a UTF-8 char can span frames) and keeps a bounded copy."""

    on_output: OnOutput | None
    texts: dict[str, list[str]] = field(default_factory=lambda: {"stdout": [], "stderr": []})
    sizes: dict[str, int] = field(default_factory=lambda: {"stdout": 0, "stderr": 0})

    def __post_init__(self):
        self.decoders = {s: codecs.getincrementaldecoder("utf-8")("replace") for s in self.texts}

    def __call__(self, stream: int, data: bytes) -> None:
        name = "stdout" if stream == STDOUT else "stderr"
        text = self.decoders[name].decode(data)
        if self.sizes[name] < CAPTURE_LIMIT:
            self.texts[name].append(text)
            self.sizes[name] += len(text)
        if self.on_output and text:
            self.on_output(name, text)

    def result(self, name: str) -> str:
        tail = self.decoders[name].decode(b"", final=True)
        return "".join(self.texts[name]) + tail


def structured_error(stderr: str) -> dict | None:
    """The last exception of a traceback as {name, value, traceback} (E2B-style)."""
    if "Traceback (most recent call last)" not in stderr:
        return None
    block = stderr[stderr.rindex("Traceback (most recent call last)"):]
    for line in reversed(block.strip().splitlines()):
        match = _EXCEPTION.match(line)
        if match:
            return {"name": match[1], "value": match[2], "traceback": block.rstrip()}
    return {"name": "Error", "value": block.strip().splitlines()[-1], "traceback": block.rstrip()}


def run_result(record: SessionRecord, path: str, exit_code: int | None, stdout: str, stderr: str,
               duration_s: float = 0.0, timed_out: bool = False, container_available: bool = True,
               local=()) -> dict:
    """The seed's result dictionary (the CLI's --json and the Python API return it as is)."""
    analysis = analyze(stderr, record.session_files, local) if exit_code else None
    return {
        "success": exit_code == 0,
        "exit_code": exit_code,
        "stdout": stdout,
        "stderr": stderr,
        "duration_s": round(duration_s, 4),
        "timed_out": timed_out,
        "container_available": container_available,
        "container_supports_pip_install": container_available and record.network != "none",
        "installed_packages": list(record.installed_packages),
        "container_name": record.container_name,
        "session": record.id,
        "file": path,
        "error": structured_error(stderr) if exit_code and container_available else None,
        "missing_packages": analysis.distributions if analysis else [],
        "hints": analysis.hints if analysis else [],
        "auto_installed": [],
    }


class Runs:
    def __init__(self, engine: Engine, sessions: Sessions):
        self.engine = engine
        self.sessions = sessions

    async def execute(self, record: SessionRecord, code: str, filename: str = "main.py",
                      timeout: float | None = None, on_output: OnOutput | None = None, local=()) -> dict:
        check_filename(filename)
        path = f"{APP_DIR}/{filename}"
        capture = _Capture(on_output)
        argv = ["python3", "-c", BOOTSTRAP, path]
        if len(code.encode()) <= ARGV_LIMIT and "/" not in filename:
            argv.append(code)
        else:
            await self.engine.files.put(record.container_name, APP_DIR, {filename: code.encode()})
        # The host-side bookkeeping (file kept under MSC_HOME, record touched) overlaps with
        # the container starting Python, off the run's critical path.
        bookkeeping = asyncio.get_running_loop().run_in_executor(None, self._keep, record, filename, code)
        try:
            try:
                outcome = await self._exec(record, argv, capture, timeout)
            except NotRunning:  # stopped (e.g. after an engine restart): start it and go on
                await self.sessions.ensure_running(record)
                outcome = await self._exec(record, argv, capture, timeout)
        finally:
            await asyncio.shield(bookkeeping)
        stdout, stderr = capture.result("stdout"), capture.result("stderr")
        exit_code = TIMEOUT_EXIT if outcome.timed_out else outcome.exit_code
        return run_result(record, path, exit_code, stdout, stderr, outcome.duration_s, outcome.timed_out,
                          local=local)

    def _keep(self, record: SessionRecord, filename: str, code: str) -> None:
        self.sessions.files.save(record, filename, code)
        self.sessions.touch(record, filename)

    async def _exec(self, record, argv, capture, timeout):
        try:
            return await self.engine.execs.run(record.container_name, argv, capture,
                                               user="appuser", workdir=APP_DIR, timeout=timeout)
        except NotFound:
            raise container_gone(record) from None
