"""Text from a session on its way to this terminal (core/terminal_text does the filtering)."""

from __future__ import annotations

from ..core.terminal_text import VisibleText
from .console import stderr, stdout


class SafeStreams:
    """on_output for text from a session: each stream filtered on its own (a sequence split
    across two chunks is still caught); with raw=True passed as it is."""

    def __init__(self, raw: bool = False):
        self.filters = None if raw else {"stdout": VisibleText(), "stderr": VisibleText()}

    def __call__(self, stream: str, text: str) -> None:
        self._write(stream, self.filters[stream].feed(text) if self.filters else text)

    def finish(self) -> None:
        """End of a run: what a stream held back (an unfinished sequence) is shown."""
        for stream, held in (self.filters or {}).items():
            if rest := held.finish():
                self._write(stream, rest)

    @staticmethod
    def _write(stream: str, text: str) -> None:
        out = stdout() if stream == "stdout" else stderr()
        out.write(text)
        out.flush()
