"""The Runs view: the current session's run history (anyone's), a run's code and its output,
each the full width (c and o switch), and `l` to take a run's code into the editor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, TabbedContent, TabPane, TextArea

from ...core.terminal_text import visible_name
from ...errors import MscError
from ...formatting import clock, run_outcome, size
from ..widgets.exec_log import ExecLog
from ..workers import guarded_work

if TYPE_CHECKING:
    from textual import getters

    from ..app import MscApp


class RunsScreen(ModalScreen[tuple[str, str] | None]):
    """Dismissed with (file, code) when `l` takes the shown run's code into the editor."""

    if TYPE_CHECKING:  # Textual types self.app as a plain App; msc's screens are shown by MscApp
        app = getters.app(MscApp)

    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="runs.close"),
                Binding("c", "show('run-code-tab')", "Runs: the run's code", id="runs.code"),
                Binding("o", "show('run-output-tab')", "Runs: the run's output", id="runs.output"),
                Binding("l", "load_code", "Runs: load the run's code into the editor", id="runs.load")]

    def __init__(self, container: str):
        super().__init__()
        self.container = container
        self.runs: dict[str, dict] = {}
        self.shown: tuple[str, str] | None = None  # the highlighted run's file and code

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog runs"):
            yield Label(f"Runs in {self.container}", classes="dialog-title")
            yield Label("c code · o output · l load the code into the editor · Esc closes", classes="dialog-hint")
            yield DataTable(cursor_type="row", id="runs-table")
            with TabbedContent(id="run-detail"):
                with TabPane("Code", id="run-code-tab"):
                    yield TextArea.code_editor("", language="python", read_only=True, id="run-code")
                with TabPane("Output", id="run-output-tab"):
                    yield ExecLog(id="run-output")

    def action_show(self, tab: str) -> None:
        self.query_one("#run-detail", TabbedContent).active = tab

    def action_load_code(self) -> None:
        if self.shown is None:
            self.notify("no run's code to load yet", severity="warning")
            return
        self.dismiss(self.shown)

    def on_mount(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        for label in ("Run", "By", "Face", "File", "Started", "Result"):
            table.add_column(label, key=label.lower())
        self.load()

    @guarded_work(exclusive=True, group="runs")
    async def load(self) -> None:
        runs = await self.app.core.runs.history(self.container)
        table = self.query_one("#runs-table", DataTable)
        for meta in reversed(runs):
            key = str(meta.get("id"))
            self.runs[key] = meta
            started = clock(meta.get("started_at"), "%H:%M:%S")
            # Written by the session (a program can edit its records): plain text, controls shown, no markup
            run, by, face, file = (Text(visible_name(str(meta.get(k, "?")))) for k in ("id", "by", "face", "file"))
            table.add_row(run, by, face, file, started, run_outcome(meta, brief=True), key=key)
        if not runs:
            self.query_one("#run-output", ExecLog).meta("no runs recorded in this session yet")
        table.focus()
        warm = await self.app.core.warm_memory(self.container)
        if warm:
            self.query_one(".dialog-title", Label).update(f"Runs in {self.container} · warm servers {size(warm)}")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None:
            self.show_run(event.row_key.value)

    @guarded_work(exclusive=True, group="run-detail")
    async def show_run(self, run_id: str) -> None:
        output = self.query_one("#run-output", ExecLog)
        output.clear()
        self.shown = None
        try:
            async for event in self.app.core.runs.logs(self.container, run_id):
                if event.kind == "start":
                    self.shown = (str(event.meta.get("file") or "main.py"), str(event.meta.get("code", "")))
                    self.query_one("#run-code", TextArea).load_text(self.shown[1])
                    output.meta(f"run {run_id} by {event.meta.get('by')} - {event.meta.get('file')}")
                elif event.kind == "output":
                    output.feed(event.stream, event.text)
                else:
                    output.meta(run_outcome(event.meta))
        except MscError as exc:
            output.meta(f"x {exc}")
        output.flush(final=True)
