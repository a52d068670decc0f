"""The input line under the output: what the user types goes to the running program."""

from __future__ import annotations

import re

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

_SECRET_PROMPT = re.compile(r"\b(pass(word|phrase|code)?|secret|token|pin)\b[^\n]*[:?]\s*$", re.IGNORECASE)
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def asks_for_secret(unfinished_line: str) -> bool:
    """Whether a program's unfinished line is a prompt for a secret ('Password: ', getpass's default)."""
    return bool(_SECRET_PROMPT.search(_SGR.sub("", unfinished_line[-200:])))


class ProgramInputLine(Input):
    """Enter sends the line (with its newline); ctrl+d sends end-of-file, as in a terminal."""

    BINDINGS = [Binding("ctrl+d", "end_of_input", "Send EOF to the program", id="input.eof")]

    class EndOfInput(Message):
        pass

    def __init__(self, **kwargs):
        super().__init__(placeholder="input for the running program (Enter sends, ctrl+d: EOF)", **kwargs)

    def action_end_of_input(self) -> None:
        self.post_message(self.EndOfInput())
