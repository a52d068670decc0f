"""The live container table: rows keyed by container name, cells updated in place."""

from __future__ import annotations

import time
from typing import Callable

from textual.binding import Binding
from textual.widgets import DataTable

from ...core.ownership import OTHER_HOME, THIS_HOME
from ...core.views import SessionView
from ...formatting import size, when

# The session id is the end of the name (msc-dev-session-<id>): no column of its own, so that
# the table fits 80 columns.
COLUMNS = (("name", "Name"), ("app_type", "Type"), ("status", "Status"), ("run", "Run"),
           ("age", "Age"), ("used", "Used"), ("packages", "Pkgs"), ("size", "Size"))


def cells(view: SessionView, now: float) -> dict[str, str]:
    row = view.as_dict()
    return {
        "name": row["name"],
        "app_type": (row["app_type"] or "-").removesuffix("_app"),
        "status": row["status"],
        "age": when(row["created"], now).removesuffix(" ago"),
        "used": when(row["last_used"], now),
        "packages": str(row["packages"]),
        "size": size(row["size_rw"]),
        "run": ", ".join(row["going"]),
    }


# Name markers: the session the editor works in; another MSC_HOME's session (a pair's); not msc's.
CURRENT, PAIRS, FOREIGN = "▶ ", "⇄ ", "○ "


class ContainerTable(DataTable):
    BINDINGS = [Binding("s", "toggle_sort", "Table: sort by last use or by name", show=False)]

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.clock = clock
        self.views: dict[str, SessionView] = {}
        self.sizes: dict[str, str] = {}  # fetched lazily, kept across updates
        self.exec_runners: dict[str, set[str]] = {}  # exec-path runs going, from engine events (seen first)
        self.current = ""  # the session the editor works in: its name is marked
        self.by_last_use = True  # the most recently used first: a new session is the top row

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def selected(self) -> SessionView | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.views.get(key)  # type: ignore[arg-type]  # msc's rows all have keys

    def upsert(self, view: SessionView) -> None:
        """Add the row, or update only the cells that changed (the cursor stays put)."""
        if view.activity is None and view.name in self.views:  # a fresh listing: keep what the runs said
            view.activity = self.views[view.name].activity
        values = cells(view, self.clock())
        if view.name in self.sizes and values["size"] == "-":
            values["size"] = self.sizes[view.name]
        if self.exec_runners.get(view.name):
            values["run"] = ", ".join(sorted({*(view.activity.going if view.activity else ()),
                                              *self.exec_runners[view.name]}))
        values["name"] = self._marked(view)
        if view.name not in self.views:
            self.add_row(*(values[key] for key, _ in COLUMNS), key=view.name)
        else:
            old = cells(self.views[view.name], self.clock())
            for column, value in values.items():
                if value != old.get(column) or column in ("size", "used", "age", "run", "name"):
                    self.update_cell(view.name, column, value, update_width=True)
        self.views[view.name] = view
        self._sort()

    def _sort(self) -> None:
        if self.by_last_use:
            def key(name_cell):
                view = self.views.get(name_cell.split(" ")[-1])
                return -(view.last_used if view else 0)
        else:
            def key(name_cell):
                return name_cell.split(" ")[-1]
        self.sort("name", key=key)

    def action_toggle_sort(self) -> None:
        self.by_last_use = not self.by_last_use
        self._sort()
        self.notify("sorted by last use" if self.by_last_use else "sorted by name")

    def discard(self, name: str) -> None:
        if name in self.views:
            del self.views[name]
            self.sizes.pop(name, None)
            self.remove_row(name)

    def reconcile(self, views: list[SessionView]) -> None:
        """Make the rows match a fresh listing: update, add, and drop what is gone."""
        with self.app.batch_update():
            fresh = {v.name for v in views}
            for name in list(self.views):
                if name not in fresh:
                    self.discard(name)
            for view in views:
                self.upsert(view)

    def _marked(self, view: SessionView) -> str:
        if view.name == self.current:
            return CURRENT + view.name
        return {THIS_HOME: "", OTHER_HOME: PAIRS}.get(view.owner, FOREIGN) + view.name

    def mark_current(self, name: str) -> None:
        """Mark the editor's session (and unmark the one before)."""
        before, self.current = self.current, name
        for each in {before, name}:
            if each in self.views:
                self.update_cell(each, "name", self._marked(self.views[each]), update_width=True)

    def set_size(self, name: str, value: int | None) -> None:
        if name in self.views:
            self.sizes[name] = size(value)
            self.update_cell(name, "size", self.sizes[name], update_width=True)
