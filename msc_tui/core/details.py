"""Everything about one container, for the TUI's details view: what the engine says (image,
status, limits, mounts, disk size), what this home recorded (packages, files), and, when
it runs, its recent runs and its warm runners' memory. A stopped container is not started
to answer."""

from __future__ import annotations

from ..errors import MscError
from .runs import Runs
from .sessions import LABEL_SESSION, Sessions
from .warm_servers import warm_memory

RECENT_RUNS = 5


async def describe(sessions: Sessions, runs: Runs, name: str) -> dict | None:
    view = await sessions.view(name, size=True)
    if view is None:
        return None
    c, record = view.container, view.record
    details = {**view.as_dict(), "whose": view.whose, "network_policy": record.network if record else
               (c.labels.get("msc.network") if c else None)}
    if record:
        details.update(installed_packages=record.installed_packages, requested_packages=record.requested_packages,
                       session_files=record.session_files)
    if c:
        details.update(limits=c.limits, mounts=list(c.mounts), networks=list(c.networks))
    if c and c.running:
        details["warm_rss"] = await warm_memory(sessions.engine, name)
        if LABEL_SESSION in c.labels:
            try:
                details["recent_runs"] = (await runs.history(name))[-RECENT_RUNS:]
            except MscError:  # no runner placed yet, or the engine went: the rest still stands
                details["recent_runs"] = []
    return details
