"""The input line under the output: what the user types goes to the running program."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class ProgramInputLine(Input):
    """Enter sends the line (with its newline); ctrl+d sends end-of-file, as in a terminal."""

    BINDINGS = [Binding("ctrl+d", "end_of_input", "Send EOF to the program", id="input.eof")]

    class EndOfInput(Message):
        pass

    def __init__(self, **kwargs):
        super().__init__(placeholder="input for the running program (Enter sends, ctrl+d: EOF)", **kwargs)

    def action_end_of_input(self) -> None:
        self.post_message(self.EndOfInput())
