"""The table pane: the engine's containers, live (connect, follow events, the Run and Used
columns, disk sizes). It says which session the user chose; MainScreen decides what follows."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Input

from ...core.sessions import LABEL_SESSION, record_from_labels
from ...core.state import SessionRecord
from ...core.views import SessionView
from ...errors import MscError
from .. import run_activity
from ..run_activity import RunActivity
from ..widgets.container_table import ContainerTable
from ..widgets.table_filter import TableFilter
from ..workers import guarded_work

if TYPE_CHECKING:
    from textual import getters
    from textual.app import ComposeResult

    from ..app import MscApp

AGE_REFRESH_S = 30  # "used 3m ago" cells age without any Docker call


class TablePane(Vertical):
    if TYPE_CHECKING:  # Textual types self.app as a plain App; msc's panes are shown by MscApp
        app = getters.app(MscApp)

    include_all: reactive[bool] = reactive(False, init=False)  # F4: every container, not only msc's

    class Connected(Message):
        """The engine answered and the table lists its containers (first time only)."""

        def __init__(self, views: list[SessionView]) -> None:
            super().__init__()
            self.views = views

    class EngineBack(Message):
        """The engine came back after it went away: the table is listed again."""

    class SessionChosen(Message):
        """Enter on a row: work in that session."""

        def __init__(self, record: SessionRecord) -> None:
            super().__init__()
            self.record = record

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__(id="table-pane")
        # Kept as attributes, not queried: workers may still report while the screen unmounts.
        self.table = ContainerTable(clock=clock, id="containers")
        self.filter_line = TableFilter(id="table-filter")
        self.activity = RunActivity(self.table)

    def compose(self) -> ComposeResult:
        yield self.filter_line
        yield self.table

    # -- `/`: the rows whose name, session id or owner hold the text (k9s's convention) ----------
    def on_container_table_filter_asked(self, event: ContainerTable.FilterAsked) -> None:
        if not event.edit:
            self.filter_line.action_clear_filter()
            return
        self.filter_line.display = True
        self.filter_line.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self.filter_line:
            self.table.set_filter(event.value)
            self.status()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input is self.filter_line:
            self.filter_line.display = bool(event.value.strip())
            self.table.focus()

    def on_table_filter_cleared(self) -> None:
        self.filter_line.display = False
        self.table.focus()

    def on_mount(self) -> None:
        self.border_title = "Containers"
        self.set_interval(AGE_REFRESH_S, self._age_cells)
        self.set_interval(run_activity.LOOK_EVERY_S, self.look_at_runs)
        self.connect()

    def _age_cells(self) -> None:
        with self.app.batch_update():
            for view in list(self.table.views.values()):
                self.table.upsert(view)

    def status(self, text: str | None = None) -> None:
        """The subtitle: an engine problem, or the endpoint and the row count."""
        if text is None and self.app.msc is not None:
            text = f"{self.app.core.endpoint_description} - {self.table.row_count} shown"
            if self.table.filter:
                text += f" of {len(self.table.views)} (/{self.table.filter}; esc clears)"
        self.border_subtitle = Text(text or "")  # the filter is typed text, an error the engine's: never markup

    # -- engine: connect, list, follow events ----------------------------------------------------
    @guarded_work(exclusive=True, group="engine")
    async def connect(self) -> None:
        """Open the core and list, retrying until the engine answers; then follow its events."""
        while True:
            try:
                if self.app.msc is None:
                    await self.app.open_core()
                views = await self.relist()
                break
            except MscError as exc:
                self.status(f"{exc} - retrying")
                await asyncio.sleep(2)
        for warning in self.app.core.warnings:
            self.notify(warning, severity="warning")
        self.post_message(self.Connected(views))
        self.follow_events()

    async def relist(self) -> list[SessionView]:
        views = await self.app.core.sessions.views(include_all=self.include_all)
        self.table.reconcile(views)
        self.status()
        self.look_at_runs()
        return views

    @guarded_work(exclusive=True, group="events")
    async def follow_events(self) -> None:
        async for event in self.app.core.sessions.watch(self.include_all):
            try:
                await self.apply_event(event)
            except MscError:  # the engine went away meanwhile: a "lost" event follows
                self.status("engine unreachable - reconnecting...")

    async def apply_event(self, event) -> None:
        if event.kind == "lost":
            self.status("engine unreachable - reconnecting...")
        elif event.kind == "back":
            await self.relist()
            self.post_message(self.EngineBack())
        elif event.action.startswith("exec_") and (event.name in self.table.views or not event.name):
            touched = self.activity.touched_by(event)
            if touched:
                self.look_at_runs({touched})
        elif event.name:  # (an exec in a session not shown: one claimed from the warm pool, say)
            view = await self.app.core.sessions.view(event.name)
            if view is None or (event.action == "destroy" and not view.record) or (
                    view.in_pool and not self.include_all):  # the warm pool's: no one's session yet
                self.table.discard(event.name)
            else:
                self.table.upsert(view)
            self.status()

    @guarded_work(group="activity")
    async def look_at_runs(self, names: set[str] | None = None) -> None:
        """The Run and Used columns from the sessions' run records (all shown, or these)."""
        if self.app.msc is not None:
            await self.activity.look(self.app.msc, names)

    async def refresh_row(self, name: str) -> None:
        """After a run or an install: record-only changes (last use, packages) fire no Docker
        event, and the disk size has changed; update the row here (unless an event has
        replaced it meanwhile: its view was read later)."""
        shown = self.table.views.get(name)
        view = await self.app.core.sessions.view(name)
        if view is not None and self.table.views.get(name) is shown:
            self.table.upsert(view)
            self.fetch_size(name)  # in the background: the engine computes it
            self.look_at_runs({name})

    def toggle_all(self) -> None:
        if self.app.msc is None:  # still connecting: the reconnect worker must not be cancelled
            self.notify("not connected to the engine yet", severity="warning")
            return
        self.include_all = not self.include_all

    def watch_include_all(self, include_all: bool) -> None:
        self.border_title = "All containers" if include_all else "Containers"
        self.refresh_listing()

    @guarded_work(exclusive=True, group="engine")
    async def refresh_listing(self) -> None:
        await self.relist()
        self.follow_events()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None:
            self.fetch_size(event.row_key.value)

    @guarded_work(exclusive=True, group="size")
    async def fetch_size(self, name: str) -> None:
        await asyncio.sleep(0.3)  # only for a row the cursor stays on
        view = await self.app.core.sessions.view(name, size=True)
        if view and view.container:
            self.table.set_size(name, view.container.size_rw)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        view = self.table.views.get(event.row_key.value)  # type: ignore[arg-type]  # all rows have keys
        if view and view.record:
            self.post_message(self.SessionChosen(view.record))
        elif view and view.container and LABEL_SESSION in view.container.labels:
            self.post_message(self.SessionChosen(record_from_labels(view.container)))  # a pair's (F4 shows them)
