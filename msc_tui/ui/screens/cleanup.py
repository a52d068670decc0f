"""Cleanup: every msc container with status, time since last use and disk size; filter,
multi-select, confirm exactly what goes, remove in the background with progress.
Containers msc did not create appear only when asked, and are never preselected."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, ProgressBar, Select

from ...formatting import size, when
from ...core.sessions import SessionView, parse_duration
from ..workers import guarded_work
from ...errors import MscError
from .dialogs import Confirm

STATUS_FILTERS = [("any status", "any"), ("stopped", "stopped"), ("running", "running")]


class CleanupScreen(Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="cleanup.back"),
        Binding("space", "toggle", "Select", id="cleanup.toggle"),
        Binding("a", "select_all", "Select all shown", id="cleanup.select_all"),
        Binding("delete,d", "remove", "Remove selected", id="cleanup.remove"),
        Binding("r", "refresh", "Refresh", id="cleanup.refresh"),
    ]

    def __init__(self):
        super().__init__()
        self.views: list[SessionView] = []
        self.selected: set[str] = set()
        self.sizes: dict[str, int | None] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="cleanup"):
            with Horizontal(id="filters"):
                yield Input(placeholder="older than (e.g. 7d)", id="older", classes="filter")
                yield Select(STATUS_FILTERS, value="any", allow_blank=False, id="status", classes="filter")
                yield Checkbox("non-msc too", id="foreign")
            yield DataTable(id="candidates", cursor_type="row", zebra_stripes=True)
            yield Label("", id="summary")
            yield ProgressBar(id="progress", show_eta=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#candidates", DataTable)
        for key, label in (("mark", " "), ("name", "Name"), ("owner", "Owner"), ("status", "Status"),
                           ("used", "Last used"), ("size", "Size")):
            table.add_column(label, key=key)
        self.query_one("#progress").display = False
        self.action_refresh()
        table.focus()

    # -- data ------------------------------------------------------------------------------
    @guarded_work(exclusive=True, group="cleanup-list")
    async def action_refresh(self) -> None:
        include_foreign = self.query_one("#foreign", Checkbox).value
        views = await self.app.msc.sessions.views(include_all=include_foreign)
        self.views = [v for v in views if v.container]
        self.selected &= {v.name for v in self.views}
        self.render_rows()
        for view in self.views:  # sizes are slow to compute: one container at a time, off the UI path
            if view.name not in self.sizes:
                info = await self.app.msc.sessions.view(view.name, size=True)
                self.sizes[view.name] = info.container.size_rw if info and info.container else None
                self.render_rows()

    def shown(self) -> list[SessionView]:
        older_text = self.query_one("#older", Input).value.strip()
        try:
            older = parse_duration(older_text) if older_text else None
        except MscError:
            older = None
        status = self.query_one("#status", Select).value
        now = self.app.clock()
        result = []
        for view in self.views:
            if older is not None and now - view.last_used < older:
                continue
            if status == "stopped" and view.container.running or status == "running" and not view.container.running:
                continue
            result.append(view)
        return result

    def render_rows(self) -> None:
        table = self.query_one("#candidates", DataTable)
        cursor = table.cursor_row
        table.clear()
        now = self.app.clock()
        for view in self.shown():
            table.add_row(Text("[x]" if view.name in self.selected else "[ ]"), view.name,
                          "msc" if view.owned else "other", view.status, when(view.last_used, now),
                          size(self.sizes.get(view.name)), key=view.name)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        self.query_one("#summary", Label).update(
            f"{len(self.selected)} selected of {table.row_count} shown - space selects, d removes")

    def on_input_changed(self) -> None:
        self.render_rows()

    def on_select_changed(self) -> None:
        self.render_rows()

    def on_checkbox_changed(self) -> None:
        self.action_refresh()

    # -- selection and removal ------------------------------------------------------------------
    def action_toggle(self) -> None:
        table = self.query_one("#candidates", DataTable)
        if not table.row_count:
            return
        name = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.selected ^= {name}
        self.render_rows()

    def action_select_all(self) -> None:
        self.selected |= {v.name for v in self.shown() if v.owned}  # never preselect foreign ones
        self.render_rows()

    def action_remove(self) -> None:
        names = sorted(self.selected)
        if not names:
            self.notify("nothing selected (space selects a row)")
            return
        body = "These containers will be removed (their records too):\n" + "\n".join(f"  {n}" for n in names)
        self.app.push_screen(Confirm(f"Remove {len(names)} containers?", body, yes="Remove"),
                             lambda ok: self.remove_containers(names) if ok else None)

    @guarded_work(exclusive=True, group="cleanup-remove")
    async def remove_containers(self, names: list[str]) -> None:
        progress = self.query_one("#progress", ProgressBar)
        progress.update(total=len(names), progress=0)
        progress.display = True
        for name in names:
            try:
                await self.app.msc.sessions.remove(name, force=True)  # the user confirmed this list
            except MscError as exc:
                self.notify(str(exc), severity="error")
            self.selected.discard(name)
            progress.advance(1)
        progress.display = False
        self.notify(f"removed {len(names)} containers")
        self.action_refresh()
