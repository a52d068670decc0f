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


def size(value: int | None) -> str:
    if value is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return "-"
