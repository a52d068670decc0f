"""The table's filter line (`/`, as in k9s): typing filters at once, Enter goes back to the
rows keeping the filter, Esc clears it (from the line, or from the table while it is kept)."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class TableFilter(Input):
    BINDINGS = [Binding("escape", "clear_filter", "Table: clear the filter", show=False)]
    # (:focus too: Input's own focused border would take the one row, and what is typed would not show)
    DEFAULT_CSS = "TableFilter, TableFilter:focus { border: none; height: 1; padding: 0 1; }"

    class Cleared(Message):
        """Esc: the filter is gone, every row shows again."""

    def __init__(self, **kwargs) -> None:
        super().__init__(placeholder="/ filter by name, id or owner (enter: keep it, esc: clear)", **kwargs)
        self.display = False  # until `/`

    @property
    def focusable(self) -> bool:
        """Not while hidden: the screen's first focus would land here (Textual asks only this)."""
        return self.display and super().focusable

    def action_clear_filter(self) -> None:
        self.value = ""  # Input.Changed follows: the rows come back
        self.post_message(self.Cleared())
