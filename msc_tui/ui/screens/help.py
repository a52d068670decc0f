"""Help, generated from the bindings that are live right now (remapped keys included). The
actions wrap to the width there is (a description is never cut at 80 columns); it scrolls."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1", "dismiss", "Close", id="help.close")]

    def __init__(self, bindings: list[tuple[str, str, str]]):
        super().__init__()
        self.rows = bindings  # (key, description, binding id)

    def compose(self) -> ComposeResult:
        table = Table("Key", "Action", "Id", box=box.SIMPLE_HEAD, expand=True, pad_edge=False)
        table.columns[0].no_wrap = True
        table.columns[1].ratio = 1  # the action takes the room left, and wraps in it
        for key, description, binding_id in self.rows:  # Text: nothing read as markup
            table.add_row(Text(key), Text(description), Text(binding_id, style="dim"))
        with Vertical(classes="dialog help"):
            yield Label("Keys (remap any by its id under \\[keys] in config.toml)", classes="dialog-title")
            with VerticalScroll(id="help-keys"):
                yield Static(table)
