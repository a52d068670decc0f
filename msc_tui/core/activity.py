"""Who runs what in a session, and when it was last used, from the session's own run records.

The runner keeps every run's record in the container (the runner's `history`), whoever started
it and however: the CLI's exec path, the run agent's or a TUI's warm servers, the Python API,
a pair in another MSC_HOME. Engine events see only the exec path, and this home's record sees
only this home's runs; the history sees them all. One exec per running session per look.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import MscError

if TYPE_CHECKING:
    from .runs import Runs
    from .views import SessionView

PARALLEL_LOOKS = 4  # history execs at once: the engine serialises much of an exec's start
_UNSAFE = re.compile(r"[^\w.@+-]")  # a record is written where the session's programs can write


@dataclass
class Activity:
    going: list[str] = field(default_factory=list)  # user@host of each run going now
    last_run: dict | None = None  # the latest run: id, by, face, file, started_at, ended_at, state, exit_code

    @property
    def last_used(self) -> float:
        if not self.last_run:
            return 0.0
        return max(self.last_run["started_at"], self.last_run["ended_at"] or 0.0)


def _text(value, limit: int = 60) -> str:
    return _UNSAFE.sub("?", value)[:limit] if isinstance(value, str) else "?"


def _time(value, now: float) -> float:
    return min(float(value), now) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def summarize(runs: list, now: float | None = None) -> Activity:
    """The runs going and the latest run, every field checked (names kept to letters, digits
    and .@+-, times never in the future): what a session's programs wrote is data, not trusted."""
    now = now or time.time()
    runs = [r for r in runs if isinstance(r, dict) and isinstance(r.get("id"), int)]
    going = sorted({_text(r.get("by")) for r in runs if r.get("state") == "going"})
    if not runs:
        return Activity(going)
    last = max(runs, key=lambda r: r["id"])
    exit_code = last.get("exit_code")
    return Activity(going, {
        "id": last["id"], "by": _text(last.get("by")), "face": _text(last.get("face"), 20),
        "file": _text(last.get("file"), 200), "started_at": _time(last.get("started_at"), now),
        "ended_at": _time(last.get("ended_at"), now) or None, "state": _text(last.get("state"), 20),
        "exit_code": exit_code if isinstance(exit_code, int) and not isinstance(exit_code, bool) else None})


async def look(runs: Runs, views: list[SessionView]) -> None:
    """Fill each running session's activity (one history exec each, a few at a time); a session
    that cannot be read (stopped meanwhile, no python) keeps what its record says."""
    limit = asyncio.Semaphore(PARALLEL_LOOKS)

    async def one(view: SessionView) -> None:
        async with limit:
            try:
                view.activity = summarize(await runs.history(view.name))
            except MscError:
                pass
    await asyncio.gather(*(one(v) for v in views if v.container and v.container.running and v.session))
