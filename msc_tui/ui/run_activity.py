"""The table's Run and Used columns from the sessions' own run records (core/activity.py).

Engine events show only runs on the exec path (a `run` exec starts and dies); runs over warm
servers (the run agent's, a TUI's, the API's) make no event. So the running sessions shown are
looked at every LOOK_EVERY_S (one history exec each), and a session at once when an exec-path
run starts or ends in it.
"""

from __future__ import annotations

from ..core.activity import look
from ..core.runs import run_exec_owner
from ..core.service import Msc
from .widgets.container_table import ContainerTable

LOOK_EVERY_S = 5.0  # one exec per running session shown, a few at a time


class RunActivity:
    def __init__(self, table: ContainerTable):
        self.table = table
        self.exec_runs: dict[str, tuple[str, str]] = {}  # exec id -> (container, who): exec-path runs going
        self.looking = False

    def touched_by(self, event) -> str | None:
        """The container an exec event started or ended a run in, if it did (its runner is
        named at once, before the run's record can be read)."""
        exec_id = event.attributes.get("execID", "")
        who = run_exec_owner(event.action) if event.action.startswith("exec_start") else None
        if who:
            self.exec_runs[exec_id] = (event.name, who)
            name = event.name
        elif event.action == "exec_die" and exec_id in self.exec_runs:
            name, _ = self.exec_runs.pop(exec_id)
        else:
            return None
        self.table.exec_runners[name] = {w for n, w in self.exec_runs.values() if n == name}
        return name

    async def look(self, msc: Msc, names: set[str] | None = None) -> None:
        every = names is None
        if every and self.looking:  # the last look has not finished (a slow engine): skip a turn
            return
        views = [v for name, v in self.table.views.items() if names is None or name in names]
        self.looking = self.looking or every
        try:
            await look(msc.runs, views)
        finally:
            if every:
                self.looking = False
        for view in views:
            current = self.table.views.get(view.name)
            if current is None:  # removed meanwhile
                continue
            # An event may have replaced the row while the records were read (the container
            # removed, say): its view is the fresher one; only the activity is news.
            current.activity = view.activity
            self.table.upsert(current)
