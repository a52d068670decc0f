"""The code editor: Textual's TextArea that knows whether its text is saved, indents as
Python needs after Enter, selects all with ctrl+a and goes to the first or last line with
ctrl+home / ctrl+end, as editors do (Esc moves the focus out; Tab indents)."""

from __future__ import annotations

import functools

from textual import events
from textual.binding import Binding
from textual.document._syntax_aware_document import SyntaxAwareDocument
from textual.widgets import TextArea
from tree_sitter import Language, Query


@functools.cache
def _compiled(language: Language, query: str) -> Query:
    return Query(language, query)


# Textual compiles the highlight query again for each document a TextArea makes (each
# load_text): 20-40 ms for Python's. A compiled query is immutable (each search makes a cursor
# of its own), so one per language and query serves every document.
SyntaxAwareDocument.prepare_query = lambda document, query: _compiled(document.language, query)  # type: ignore[method-assign, assignment]


class CodeEditor(TextArea):
    BINDINGS = [Binding("ctrl+a", "select_all", "Select all text in the editor", show=False),
                Binding("ctrl+home", "document_edge(False)", "Editor: go to the first line", show=False),
                Binding("ctrl+end", "document_edge(True)", "Editor: go to the last line", show=False)]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved_text = self.text

    @property
    def modified(self) -> bool:
        return self.text != self.saved_text

    def load(self, text: str) -> None:
        """New text that is saved somewhere (a file, a session): not modified."""
        self.saved_text = text
        self.load_text(text)

    def mark_saved(self) -> None:
        self.saved_text = self.text

    def action_document_edge(self, end: bool) -> None:
        self.move_cursor(self.document.end if end else (0, 0))

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter" and not self.read_only:
            row, column = self.cursor_location
            before = self.document[row][:column]
            indent = before[:len(before) - len(before.lstrip(" \t"))]
            if before.rstrip().endswith(":"):
                indent += " " * self.indent_width
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self._replace_via_keyboard("\n" + indent, start, end)
            return
        await super()._on_key(event)
