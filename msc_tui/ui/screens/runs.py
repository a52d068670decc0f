"""The Runs view: the current session's run history (anyone's), a run's code and its output."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, TextArea

from ...core.terminal_text import visible_name
from ...errors import MscError
from ...formatting import clock, run_outcome, size
from ..widgets.exec_log import ExecLog
from ..workers import guarded_work

if TYPE_CHECKING:
    from textual import getters

    from ..app import MscApp


class RunsScreen(ModalScreen[None]):
    if TYPE_CHECKING:  # Textual types self.app as a plain App; msc's screens are shown by MscApp
        app = getters.app(MscApp)

    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="runs.close")]

    def __init__(self, container: str):
        super().__init__()
        self.container = container
        self.runs: dict[str, dict] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog runs"):
            yield Label(f"Runs in {self.container} (Esc closes)", classes="dialog-title")
            yield DataTable(cursor_type="row", id="runs-table")
            with Horizontal(id="run-detail"):
                yield TextArea.code_editor("", language="python", read_only=True, id="run-code")
                yield ExecLog(id="run-output")

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
            self.query_one(".dialog-title", Label).update(
                f"Runs in {self.container} · warm servers {size(warm)} (Esc closes)")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is not None:
            self.show_run(event.row_key.value)

    @guarded_work(exclusive=True, group="run-detail")
    async def show_run(self, run_id: str) -> None:
        output = self.query_one("#run-output", ExecLog)
        output.clear()
        try:
            async for event in self.app.core.runs.logs(self.container, run_id):
                if event.kind == "start":
                    self.query_one("#run-code", TextArea).load_text(event.meta.get("code", ""))
                    output.meta(f"run {run_id} by {event.meta.get('by')} - {event.meta.get('file')}")
                elif event.kind == "output":
                    output.feed(event.stream, event.text)
                else:
                    output.meta(run_outcome(event.meta))
        except MscError as exc:
            output.meta(f"x {exc}")
        output.flush(final=True)
