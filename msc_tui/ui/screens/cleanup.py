"""Cleanup: this home's sessions, unused images, its package cache and stale records, with
what each frees; filter, multi-select, confirm exactly what goes, remove with progress.
What to offer comes from the core's rules (Cleanup.choose). Other homes' sessions and
containers msc did not make appear only when asked, are never bulk-selected, and go only
after a second confirmation that names their owner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Footer, Input, Label, ProgressBar

from ...core.cleanup import CACHE, IMAGES, POOL, RECORDS, SESSIONS, Inventory, Item
from ...core.sessions import parse_duration
from ...errors import MscError
from ...formatting import plural, size, when
from ..dialogs import Confirm
from ..widgets.container_table import owner
from ..workers import guarded_work

if TYPE_CHECKING:
    from textual import getters

    from ..app import MscApp

NOUNS = {SESSIONS: "session", POOL: "pool", IMAGES: "image", CACHE: "cache", RECORDS: "record"}


class Tick(Checkbox):
    """A checkbox whose mark is empty when off (Textual's shows an X either way, told apart by
    colour alone, which some terminals and eyes do not show)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # Textual's class attribute, per instance here
        return "X" if self.value else " "


class CleanupScreen(Screen):
    if TYPE_CHECKING:  # Textual types self.app as a plain App; msc's screens are shown by MscApp
        app = getters.app(MscApp)

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="cleanup.back"),
        # Short words: the footer holds them all at 80 columns
        Binding("space", "toggle_selected", "Select", id="cleanup.toggle"),
        Binding("a", "select_all", "All yours", id="cleanup.select_all"),
        Binding("d,delete", "remove", "Remove", id="cleanup.remove"),
        Binding("r", "refresh", "Refresh", id="cleanup.refresh"),
    ]

    def __init__(self):
        super().__init__()
        self.inventory = Inventory([])
        # not this home's: name -> (item, whose in full for the confirmation, the Owner cell)
        self.others: dict[str, tuple[Item, str, str]] = {}
        self.selected: set[str] = set()

    def compose(self) -> ComposeResult:
        with Vertical(id="cleanup"):
            with Horizontal(id="filters"):
                yield Input(placeholder="older than (e.g. 7d)", id="older", classes="filter")
                yield Tick("stopped only", id="stopped")
                yield Tick("others' too", id="foreign")
            yield DataTable(id="candidates", cursor_type="row", zebra_stripes=True)
            yield Label("", id="summary")
            yield ProgressBar(id="progress", show_eta=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#candidates", DataTable)
        for key, label in (("mark", " "), ("kind", "Kind"), ("name", "Name"), ("frees", "Frees"),
                           ("used", "Used"), ("detail", "Status"), ("owner", "Owner")):
            table.add_column(label, key=key)
        self.query_one("#progress").display = False
        self.action_refresh()
        table.focus()

    # -- data ------------------------------------------------------------------------------
    @guarded_work(exclusive=True, group="cleanup-list")
    async def action_refresh(self) -> None:
        msc = self.app.core
        self.inventory = await msc.cleanup.survey()
        self.others = {}
        if self.query_one("#foreign", Checkbox).value:
            for view in await msc.sessions.views(include_all=True):
                if view.container and not view.owned:
                    c = view.container
                    self.others[c.name] = (Item(SESSIONS, c.name, c.size_rw, c.size_rw or 0, view.last_used,
                                                c.status, ref=c.name), view.whose, owner(view))
        self.render_rows()

    def shown(self) -> list[Item]:
        """This home's candidates by the core's rules (images and the cache only when nothing uses
        them now), then others' containers under the same age and status filter."""
        older_text = self.query_one("#older", Input).value.strip()
        try:
            older = parse_duration(older_text) if older_text else None
        except MscError:
            older = None
        stopped = self.query_one("#stopped", Checkbox).value
        choose = self.app.core.cleanup.choose
        now = self.app.clock()
        ours = choose(self.inventory, {SESSIONS}, older, stopped, now=now)
        ours += choose(self.inventory, {POOL, IMAGES, CACHE, RECORDS}, older, now=now)
        foreign = Inventory([item for item, _, _ in self.others.values()])
        return ours + choose(foreign, {SESSIONS}, older, stopped, now=now)

    def render_rows(self) -> None:
        table = self.query_one("#candidates", DataTable)
        cursor = table.cursor_row
        table.clear()
        now = self.app.clock()
        shown = self.shown()
        for item in shown:
            # as in the main table (the full owner is named in the confirmation); images serve every home
            whose = self.others[item.name][2] if item.name in self.others else "any" if item.kind == IMAGES else "you"
            table.add_row(Text("[x]" if item.name in self.selected else "[ ]"), NOUNS[item.kind], item.name,
                          size(None if item.size is None else item.frees), when(item.last_used, now),
                          item.detail, whose, key=item.name)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
        chosen = [i for i in shown if i.name in self.selected]
        self.query_one("#summary", Label).update(
            f"{len(chosen)} of {len(shown)} selected, frees {size(sum(i.frees for i in chosen))}"
            f" of {size(sum(i.frees for i in shown))} - space/a select, d removes")

    def on_input_changed(self) -> None:
        self.render_rows()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "foreign":
            self.action_refresh()
        else:
            self.render_rows()

    # -- selection and removal ------------------------------------------------------------------
    def action_toggle_selected(self) -> None:
        table = self.query_one("#candidates", DataTable)
        if not table.row_count:
            return
        name = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.selected ^= {name}  # type: ignore[arg-type]  # every row has a key
        self.render_rows()

    def action_select_all(self) -> None:
        """This home's rows: never others' sessions, nor images, which serve every home (one
        another home's next session would need is selected with space, knowingly)."""
        shown = self.shown()
        self.selected |= {i.name for i in shown if i.name not in self.others and i.kind != IMAGES}
        self.render_rows()
        images = [i for i in shown if i.kind == IMAGES and i.name not in self.selected]
        if images:
            self.notify(f"{plural(len(images), 'unused image')} not selected: images serve every home on this "
                        "engine (space selects one)")

    def action_remove(self) -> None:
        chosen = [i for i in self.shown() if i.name in self.selected]
        if not chosen:
            self.notify("nothing selected (space selects a row)")
            return
        ours = [i for i in chosen if i.name not in self.others]
        theirs = [i for i in chosen if i.name in self.others]
        lines = [f"  {NOUNS[i.kind]} {i.name} ({size(i.frees)})" for i in chosen]
        body = "These will be removed:\n" + "\n".join(lines) + f"\nFrees {size(sum(i.frees for i in chosen))}."
        title = f"Remove {plural(len(chosen), 'object')}?"

        def first(ok: bool | None) -> None:
            if not ok:
                return
            if not theirs:
                self.remove_items(ours, [])
                return
            whose = "\n".join(f"  {i.name}: {self.others[i.name][1]}" for i in theirs)
            self.app.push_screen(
                Confirm(f"{plural(len(theirs), 'container')} not this home's", "They belong to:\n" + whose
                        + "\nRemove them too?", yes="Remove them too", no="Only this home's"),
                lambda also: self.remove_items(ours, theirs if also else []))
        self.app.push_screen(Confirm(title, body, yes="Remove"), first)

    @guarded_work(exclusive=True, group="cleanup-remove")
    async def remove_items(self, ours: list[Item], theirs: list[Item]) -> None:
        progress = self.query_one("#progress", ProgressBar)
        progress.update(total=len(ours) + len(theirs), progress=0)
        progress.display = True

        def advanced(item: Item, error: str | None) -> None:
            if error:
                self.notify(error, severity="error")
            progress.advance(1)

        removed, _ = await self.app.core.cleanup.remove(ours, advanced)
        for item in theirs:
            try:
                await self.app.core.sessions.remove(item.name, force=True)  # confirmed twice, owner named
                removed.append(item)
            except MscError as exc:
                self.notify(str(exc), severity="error")
            progress.advance(1)
        self.selected -= {i.name for i in ours + theirs}
        progress.display = False
        self.notify(f"removed {plural(len(removed), 'object')}, freed {size(sum(i.frees for i in removed))}")
        self.action_refresh()
