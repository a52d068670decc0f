"""How the TUI closes its own run's output: the core's words (core/results.py), shown as lines."""

from __future__ import annotations

from ..config import Settings
from ..core.results import RunResult
from ..formatting import plural


def outcome_lines(result: RunResult, lines: int, settings: Settings) -> list[str]:
    """How it ended, its time and line count, and why a session limit stopped it if one did."""
    shown = [f"{result.ending} - {result.duration_s:.2f}s - {plural(lines, 'line')}"]
    if result.disk_exceeded:
        shown.append(f"! {result.stop_notice(settings.disk)}")
    elif result.stopped_by:  # someone else's F6 or `msc stop`: this log is where its owner learns of it
        shown.append(f"! {result.stop_notice(settings.disk)}")
    elif result.oom_killed:
        shown.extend(f"! {notice}" for notice in result.end_notices(settings.memory, None))
    return shown
