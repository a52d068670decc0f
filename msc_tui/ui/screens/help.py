"""Help, generated from the bindings that are live right now (remapped keys included)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1", "dismiss", "Close", id="help.close")]

    def __init__(self, bindings: list[tuple[str, str, str]]):
        super().__init__()
        self.rows = bindings  # (key, description, binding id)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            yield Label("Keys (remap any by its id under \\[keys] in config.toml)", classes="dialog-title")
            table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Action", "Id")
            for row in self.rows:
                table.add_row(*row)
            yield table
