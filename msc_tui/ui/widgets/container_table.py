"""The live container table: rows keyed by container name, cells updated in place.

The selection stays on its container when rows come, go or sort (Enter acts on the row the
user chose, not on whatever took its place). With others' rows shown (F4) an Owner column
says whose each session is; `/` filters the rows by name, session id or owner.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from ...core.ownership import LABEL_USER, OTHER_HOME, THIS_HOME
from ...core.views import SessionView
from ...formatting import size, when

# The session id is the end of the name (msc-dev-session-<id>): no column of its own, so that
# the table fits 80 columns.
COLUMNS = (("name", "Name"), ("owner", "Owner"), ("app_type", "Type"), ("status", "Status"), ("run", "Run"),
           ("age", "Age"), ("used", "Used"), ("packages", "Pkgs"), ("size", "Size"))
# Below this width the Owner column takes the room of Age and Pkgs (both in ctrl+t's details).
ROOMY = 100
# The widest Owner and Run cells (user@host can be long: cut with …), below ROOMY and above;
# the whole names are in ctrl+t's details and `msc who`.
CELL_CHARS = {"narrow": {"owner": 12, "run": 9}, "roomy": {"owner": 24, "run": 30}}
MIN_RUN_CHARS = 6


def cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars - 1] + "…"


def owner(view: SessionView) -> str:
    """`you`, another home's user (as user@host when one of its runs there says so), or `-`."""
    if view.owner == THIS_HOME:
        return "you"
    if view.owner != OTHER_HOME or view.container is None:
        return "-"
    user = view.container.labels.get(LABEL_USER, "?")
    last = view.activity.last_run if view.activity else None
    by = last["by"] if last else ""
    return by if by.startswith(f"{user}@") else user


def cells(view: SessionView, now: float) -> dict[str, str]:
    row = view.as_dict()
    return {
        "name": row["name"],
        "app_type": (row["app_type"] or "-").removesuffix("_app"),
        "status": row["status"],
        "age": when(row["created"], now).removesuffix(" ago"),
        "used": when(row["last_used"], now),
        "packages": "-" if row["packages"] is None else str(row["packages"]),  # (a pair's: their record knows)
        "size": size(row["size_rw"]),
        "run": ", ".join(row["going"]),
        "owner": owner(view),
    }


# Name markers: the session the editor works in; another MSC_HOME's session (a pair's); not msc's.
CURRENT, PAIRS, FOREIGN = "▶ ", "⇄ ", "○ "


class ContainerTable(DataTable):
    BINDINGS = [Binding("s", "toggle_sort", "Table: sort by last use or by name", show=False),
                Binding("slash", "filter", "Table: filter by name, id or owner", show=False),
                Binding("escape", "filter(False)", "Table: clear the filter", show=False)]

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.clock = clock
        self.views: dict[str, SessionView] = {}  # every container listed (the filter hides some)
        self.sizes: dict[str, str] = {}  # fetched lazily, kept across updates
        self.exec_runners: dict[str, set[str]] = {}  # exec-path runs going, from engine events (seen first)
        self.current = ""  # the session the editor works in: its name is marked
        self.by_last_use = True  # the most recently used first: a new session is the top row
        self.filter = ""  # `/`: only rows whose name, session id or owner hold it
        self.shown_columns: tuple[str, ...] = ()

    def on_mount(self) -> None:
        self._set_columns()

    def on_resize(self) -> None:
        self._set_columns()

    def _wanted_columns(self) -> tuple[str, ...]:
        others = any(not v.owned for v in self.views.values())
        narrow = self.size.width < ROOMY
        return tuple(key for key, _ in COLUMNS if others or key != "owner"
                     if not (others and narrow and key in ("age", "packages")))

    def _set_columns(self) -> None:
        """The columns for the rows and the width there are: all rows drawn again when they change."""
        wanted = self._wanted_columns()
        if wanted == self.shown_columns:
            return
        with self.keeping_selection():
            self.clear(columns=True)
            self.shown_columns = wanted
            labels = dict(COLUMNS)
            for key in wanted:
                self.add_column(labels[key], key=key)
            for view in list(self.views.values()):
                self._show(view)
            self._sort()

    @property
    def selected(self) -> SessionView | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.views.get(key)  # type: ignore[arg-type]  # msc's rows all have keys

    @contextmanager
    def keeping_selection(self) -> Iterator[None]:
        """Rows added, removed or sorted meanwhile: the cursor ends on the container it was on
        (DataTable keeps its row number, which another container may hold by then)."""
        chosen = self.selected
        yield
        if chosen is not None and chosen.name in self.rows:
            index = self.get_row_index(chosen.name)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False)

    def upsert(self, view: SessionView) -> None:
        """Add the row, or update only the cells that changed (the cursor stays on its container)."""
        if view.activity is None and view.name in self.views:  # a fresh listing: keep what the runs said
            view.activity = self.views[view.name].activity
        with self.keeping_selection():
            self.views[view.name] = view
            if self.shown_columns != self._wanted_columns():
                self._set_columns()
            else:
                self._show(view)
                self._sort()

    def _values(self, view: SessionView) -> dict[str, str]:
        values = cells(view, self.clock())
        if view.name in self.sizes and values["size"] == "-":
            values["size"] = self.sizes[view.name]
        if self.exec_runners.get(view.name):
            values["run"] = ", ".join(sorted({*(view.activity.going if view.activity else ()),
                                              *self.exec_runners[view.name]}))
        values["name"] = self._marked(view)
        caps = dict(CELL_CHARS["narrow" if self.size.width < ROOMY else "roomy"])
        caps["run"] = min(caps["run"], self._room_for_run())
        return {key: cut(value, caps[key]) if key in caps else value for key, value in values.items()}

    def _room_for_run(self) -> int:
        """The cells the Run column has once the other columns (as wide as their cells now) are
        drawn: its cells are cut to fit the table's width (at least `bob@v…`)."""
        others = sum(c.get_render_width(self) for c in self.columns.values() if c.key.value != "run")
        return max(MIN_RUN_CHARS, self.scrollable_content_region.width - others - 2 * self.cell_padding)

    def _matches(self, view: SessionView) -> bool:
        wanted = self.filter.lower()
        return not wanted or any(wanted in text.lower() for text in (view.name, view.session, owner(view)))

    def _show(self, view: SessionView) -> None:
        """The view's row as it is now: added, its cells updated, or hidden by the filter."""
        if not self._matches(view):
            if view.name in self.rows:
                self.remove_row(view.name)
            return
        values = self._values(view)
        if view.name not in self.rows:
            self.add_row(*(values[key] for key in self.shown_columns), key=view.name)
            return
        for column in self.shown_columns:
            if self.get_cell(view.name, column) != values[column]:
                self.update_cell(view.name, column, values[column], update_width=True)

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
        with self.keeping_selection():
            self._sort()
        self.notify("sorted by last use" if self.by_last_use else "sorted by name")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # Esc clears a filter kept; with none it is not the table's (it goes on to the screen)
        return bool(self.filter) if action == "filter" and parameters == (False,) else True

    def action_filter(self, edit: bool = True) -> None:
        self.post_message(self.FilterAsked(edit))

    class FilterAsked(Message):
        """`/` in the table: the pane shows the filter's line; Esc: it clears it."""

        def __init__(self, edit: bool) -> None:
            super().__init__()
            self.edit = edit

    def set_filter(self, text: str) -> None:
        with self.keeping_selection():
            self.filter = text.strip()
            for view in self.views.values():
                self._show(view)
            self._sort()

    def discard(self, name: str) -> None:
        if name in self.views:
            with self.keeping_selection():
                del self.views[name]
                self.sizes.pop(name, None)
                if name in self.rows:
                    self.remove_row(name)
            self._set_columns()

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
        """A pair's session keeps its ⇄ when it is the current one too."""
        mark = {THIS_HOME: "", OTHER_HOME: PAIRS}.get(view.owner, FOREIGN)
        if view.name == self.current:
            mark = CURRENT + mark.strip() + (" " if mark else "")
        return mark + view.name

    def mark_current(self, name: str) -> None:
        """Mark the editor's session (and unmark the one before)."""
        before, self.current = self.current, name
        for each in {before, name}:
            if each in self.views:
                self._show(self.views[each])

    def set_size(self, name: str, value: int | None) -> None:
        if name in self.views:
            self.sizes[name] = size(value)
            self._show(self.views[name])
