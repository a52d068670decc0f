"""How the TUI words the end of its own run (one function, so the wording can move in one place)."""

from __future__ import annotations

from ..config import Settings
from ..formatting import plural, size


def outcome_lines(result: dict, lines: int, settings: Settings) -> list[str]:
    """The closing lines under a run's output: how it ended, its time and line count, and
    why it was stopped when a session limit stopped it."""
    state = "timed out" if result["timed_out"] else f"exit {result['exit_code']}"
    shown = [f"{state} - {result['duration_s']:.2f}s - {plural(lines, 'line')}"]
    if result["disk_exceeded"]:
        shown.append(f"! stopped: the session has written {size(result['disk_exceeded'])}, over [limits] disk "
                     f"({settings.disk})")
    elif result["oom_killed"]:
        shown.append(f"! killed: out of memory (the session's limit is {settings.memory})")
    return shown
