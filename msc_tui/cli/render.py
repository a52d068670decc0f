"""Text output for the CLI: JSON, plain tables, build progress."""

from __future__ import annotations

import json
import re

from ..core.terminal_text import visible_name
from ..formatting import size, when
from .console import stderr, stdout

_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")


def print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str), file=stdout())


def table(rows: list[dict], columns: list[str], empty: str = "no sessions", raw: bool = False) -> str:
    """Cells may come from a session (who ran it, file names): control characters are shown
    as text unless `raw`."""
    if not rows:
        return empty
    shown = (lambda cell: cell) if raw else visible_name
    formatted = [[shown(_cell(c, r.get(c))) for c in columns] for r in rows]
    widths = [max(len(c), *(len(f[i]) for f in formatted)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(f, widths, strict=True)) for f in formatted]
    return "\n".join(line.rstrip() for line in lines)


def _cell(column: str, value) -> str:
    if column in ("created", "last_used", "modified"):
        return when(value)
    if column in ("size_rw", "warm_rss", "size", "frees", "reclaimable"):
        return size(value)
    if isinstance(value, list):
        return ",".join(value) or "-"
    return "-" if value in (None, "") else str(value)


class BuildProgress:
    """Build log -> 'step n of m' lines on stderr (nothing when disabled, e.g. --json)."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.steps = 0

    def __call__(self, line: str) -> None:
        match = _STEP.match(line)
        if self.enabled and match:
            self.steps += 1
            n, m, what = match.groups()
            print(f"building: step {n} of {m}: {what[:100]}", file=stderr(), flush=True)  # (the asker's, in the agent)

    def done(self) -> None:
        if self.enabled and self.steps:
            print("building: done", file=stderr(), flush=True)
