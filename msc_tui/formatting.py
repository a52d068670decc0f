"""Human-readable times and sizes, shared by the CLI and the TUI."""

from __future__ import annotations

import time


def when(epoch: float | None, now: float | None = None) -> str:
    """'3m ago', '2d ago'; '-' when unknown."""
    if not epoch:
        return "-"
    seconds = max(0, (now or time.time()) - epoch)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return f"{int(seconds)}s ago"


def plural(count: int, noun: str) -> str:
    """'1 line', '2 lines'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def size(value: float | None) -> str:
    if value is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return "-"


def number(value) -> float | None:
    """A number from a run record, or None: the session writes records, so a field may be anything."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def clock(epoch, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A record's start time, local; '-' when it is no time (a record may say anything)."""
    try:
        return time.strftime(pattern, time.localtime(number(epoch) or 0))
    except (OverflowError, OSError, ValueError):
        return "-"


def run_header(meta: dict) -> str:
    """'── run 12 by bob@devbox (cli) main.py': how a follower sees a run start."""
    return f"── run {meta.get('id')} by {meta.get('by')} ({meta.get('face')}) {meta.get('file')}"


def run_outcome(meta: dict, brief: bool = False) -> str:
    state = meta.get("state")
    if state == "going":
        return "running"
    if state == "lost":
        return "lost" if brief else "lost (its runner ended without an exit code: engine restart or container stop)"
    if meta.get("timed_out"):
        return "timed out"
    if meta.get("cancelled"):
        return f"stopped by {meta['stopped_by']}" if meta.get("stopped_by") else "cancelled"
    return f"exit {meta.get('exit_code')}"


def run_closing(meta: dict) -> str:
    duration = f" - {seconds:.2f}s" if (seconds := number(meta.get("duration_s"))) is not None else ""
    return f"── run {meta.get('id')}: {run_outcome(meta)}{duration}"
