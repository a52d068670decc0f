"""A run's result: what every face gets back from a run, and the words for how it ended.

`RunResult.as_dict()` is the result dictionary of docs/api.md: what `msc run --json` prints
and the Python API returns, its keys in this order. The outcome's wording (stopped, killed,
timed out) and the exit code a face ends with live here too, so the faces say it alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, TypedDict

from ..formatting import size
from .imports import analyze
from .returned_files import inside_app
from .state import SessionRecord

_EXCEPTION = re.compile(r"^(\w+(?:\.\w+)*(?:Error|Exception|Interrupt|Exit|Warning)|\w+Error): ?(.*)$")
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
INTERRUPTED_EXIT = 130  # the CLI's exit code for a run stopped by Ctrl-C or from elsewhere
KILLED_EXIT = 137  # SIGKILL: the kernel (memory), msc past [limits] disk, or someone outside


class RunError(TypedDict):
    """The last exception of a failed run (E2B-style)."""

    name: str
    value: str
    traceback: str


def structured_error(stderr: str) -> RunError | None:
    """The last exception of the output as {name, value, traceback}.

    A traceback's last exception, or a SyntaxError report (Python prints no traceback header)."""
    marker = "Traceback (most recent call last)"
    if marker in stderr:
        block = stderr[stderr.rindex(marker):]
    elif any(f"\n{name}: " in f"\n{stderr}" for name in _SYNTAX_ERRORS):
        block = stderr
    else:
        return None
    for line in reversed(block.strip().splitlines()):
        match = _EXCEPTION.match(line)
        if match:
            return {"name": match[1], "value": match[2], "traceback": block.rstrip()}
    return {"name": "Error", "value": block.strip().splitlines()[-1], "traceback": block.rstrip()}


@dataclass(frozen=True)
class RunResult:
    """One run's result; the fields' order is the dictionary's (docs/api.md, Result keys)."""

    success: bool
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool
    oom_killed: bool  # the kernel killed it for memory (exit 137)
    disk_exceeded: int | None  # bytes written when msc stopped it past [limits] disk, else None
    cancelled: bool
    stopped_by: str | None  # user@host of whoever stopped the run from elsewhere
    run_id: int | None
    run_path: str  # "warm" or "exec"
    preloaded_modules: int
    container_available: bool
    container_supports_pip_install: bool
    installed_packages: list[str]
    container_name: str
    session: str
    file: str
    changed_files: list[str]  # what the program wrote under /app; session-named, so checked
    error: RunError | None
    missing_packages: list[str]
    unresolved_imports: list[str]
    suggestions: dict[str, list[str]]
    hints: list[str]
    auto_installed: list[str] = field(default_factory=list)
    auto_install_stopped: str | None = None
    install_error: str | None = None
    project: dict | None = None  # with `msc run FILE`: the project mirrored first
    # the result's copy of a stream stops at 8 MiB (the whole output streamed, and the runner's
    # record keeps the last MiB: `msc logs`)
    stdout_truncated: bool = False
    stderr_truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The result dictionary (`msc run --json`, the Python API); lists and dicts are copies."""
        return {f.name: _copy(getattr(self, f.name)) for f in fields(self)}

    # -- how it ended, in words --------------------------------------------------------------------
    @property
    def ending(self) -> str:
        """'timed out' or 'exit N': the run's end in two words."""
        return "timed out" if self.timed_out else f"exit {self.exit_code}"

    def stop_notice(self, disk_limit: str) -> str | None:
        """Why the run was stopped before its end (past [limits] disk, Ctrl-C, someone else), or None."""
        if self.disk_exceeded:
            return (f"stopped: the session has written {size(self.disk_exceeded)}, over [limits] disk "
                    f"({disk_limit}); remove what it wrote, or start a new session")
        if self.cancelled:
            who = f"stopped by {self.stopped_by}" if self.stopped_by else "interrupted"
            return f"{who}; the program's process tree was killed"
        return None

    def end_notices(self, memory_limit: str | None, timeout: float | None) -> list[str]:
        """Why the program ended when it did not end by itself: killed for memory or from
        outside, timed out (`timeout`: the one the run had, in seconds)."""
        notices = []
        if self.oom_killed:
            notices.append(f"killed: out of memory (the session's limit is {memory_limit or 'none'}; "
                           "[limits] memory raises it for new sessions)")
        elif self.exit_code == KILLED_EXIT and not self.timed_out and not self.cancelled:
            notices.append("killed (SIGKILL) from outside the program")
        if self.timed_out:
            notices.append(f"timed out after {timeout}s; the program was killed")
        return notices

    @property
    def stopped_exit(self) -> int | None:
        """The exit code of a run stopped before its end (137 past [limits] disk or stopped from
        elsewhere, 130 interrupted here), which a face ends with instead of the program's; None
        when it was not stopped."""
        if self.disk_exceeded or self.stopped_by:
            return KILLED_EXIT
        if self.cancelled:
            return INTERRUPTED_EXIT
        return None


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def run_result(record: SessionRecord, path: str, exit_code: int | None, stdout: str, stderr: str,
               duration_s: float = 0.0, timed_out: bool = False, container_available: bool = True,
               local: Iterable[str] = (), run_id: int | None = None, cancelled: bool = False,
               stopped_by: str | None = None, warm: int | None = None, oom_killed: bool = False,
               changed: list[str] | None = None, disk_exceeded: int | None = None,
               truncated: Iterable[str] = ()) -> RunResult:
    """A run's result from what the runner reported.
    `warm`: how many modules a warm server had preloaded (None: the run took the exec path)."""
    analysis = analyze(stderr, record.session_files, local) if exit_code else None
    return RunResult(
        success=exit_code == 0,
        exit_code=exit_code,
        stdout=stdout,
        stderr=stderr,
        duration_s=round(duration_s, 4),
        timed_out=timed_out,
        oom_killed=oom_killed,
        disk_exceeded=disk_exceeded,
        cancelled=cancelled,
        stopped_by=stopped_by,
        run_id=run_id,
        run_path="exec" if warm is None else "warm",
        preloaded_modules=warm or 0,
        container_available=container_available,
        container_supports_pip_install=container_available and record.network != "none",
        installed_packages=list(record.installed_packages),
        container_name=record.container_name,
        session=record.id,
        file=path,
        changed_files=inside_app(changed),
        error=structured_error(stderr) if exit_code and container_available else None,
        missing_packages=analysis.distributions if analysis else [],
        unresolved_imports=analysis.unresolved if analysis else [],
        suggestions=analysis.suggestions if analysis else {},
        hints=analysis.hints if analysis else [],
        stdout_truncated="stdout" in truncated,
        stderr_truncated="stderr" in truncated,
    )
