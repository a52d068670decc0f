"""Text output for the CLI: JSON, plain tables, build progress."""

from __future__ import annotations

import json
import re
import shutil
import sys

from ..core.terminal_text import visible_name
from ..formatting import size, when
from .console import stderr, stdout

_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")


def print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str), file=stdout())


def table(rows: list[dict], columns: list[str], empty: str = "no sessions", raw: bool = False,
          width: int | None = None, droppable: tuple[str, ...] = ()) -> str:
    """Cells may come from a session (who ran it, file names): control characters are shown
    as text unless `raw`. With a terminal's `width`, the `droppable` columns go, in order, while
    the lines would wrap (a wrapped table cannot be read; --json keeps every field)."""
    if not rows:
        return empty
    shown = (lambda cell: cell) if raw else visible_name
    cells = {c: [shown(_cell(c, r.get(c))) for r in rows] for c in columns}
    widths = {c: max(len(c), *(len(v) for v in cells[c])) for c in columns}
    for column in droppable:
        if width is None or sum(widths[c] + 2 for c in columns) - 2 <= width:
            break
        columns = [c for c in columns if c != column]
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in columns)]
    lines += ["  ".join(cells[c][i].ljust(widths[c]) for c in columns) for i in range(len(rows))]
    return "\n".join(line.rstrip() for line in lines)


def terminal_width() -> int | None:
    """The width of the terminal stdout shows in; None for a pipe or a file (every column)."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


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
