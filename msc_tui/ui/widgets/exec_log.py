"""A bounded, streaming output log: stdout, stderr and msc's own lines styled apart.

Text arrives in arbitrary chunks; `feed` buffers them and whole lines are added in batches
(the caller flushes on a timer), so a program printing 100,000 lines costs a few hundred
refreshes, and memory stays at `max_lines` however much is printed.
"""

from __future__ import annotations

from collections import deque

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

KINDS = ("stdout", "stderr", "meta")


class ExecLog(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"exec-log--stdout", "exec-log--stderr", "exec-log--meta"}
    DEFAULT_CSS = """
    ExecLog { background: $surface; }
    ExecLog > .exec-log--stdout { color: $text; }
    ExecLog > .exec-log--stderr { color: $text-error; }
    ExecLog > .exec-log--meta { color: $text-accent; text-style: bold; }
    """

    def __init__(self, max_lines: int = 10_000, **kwargs):
        super().__init__(**kwargs)
        self.max_lines = max_lines
        self.lines: deque[tuple[str, str]] = deque(maxlen=max_lines)
        self.pending: deque[tuple[str, str]] = deque(maxlen=max_lines)  # back-pressure: oldest drop
        self.partial = {"stdout": "", "stderr": ""}
        self.total_lines = 0
        self._width = 0
        self.provisional: list[tuple[str, str]] = []


    # -- input -----------------------------------------------------------------------------
    def feed(self, stream: str, text: str) -> None:
        """Buffer a chunk of program output; complete lines wait for `flush`."""
        pieces = (self.partial[stream] + text).split("\n")
        self.partial[stream] = pieces.pop()
        self.pending.extend((stream, line) for line in pieces)
        self.total_lines += len(pieces)

    def meta(self, text: str) -> None:
        """One line of msc's own (run header, closing line), written at once."""
        self.flush(final=True)
        self.pending.append(("meta", text))
        self.flush()

    def flush(self, final: bool = False) -> None:
        if final:
            for stream, rest in self.partial.items():
                if rest:
                    self.pending.append((stream, rest))
                    self.total_lines += 1
                    self.partial[stream] = ""
        if not self.pending:
            self.show_partial()
            return
        self.provisional = []
        batch = list(self.pending)
        self.pending.clear()
        self.lines.extend((kind, _clean(line)) for kind, line in batch)
        self._width = max(self._width, max(len(line) for _, line in batch))
        self._resize()

    def show_partial(self) -> None:
        """A line the program printed without its newline (a prompt) shows as it is, for now."""
        partial = [(stream, _clean(rest)) for stream, rest in self.partial.items() if rest]
        if partial != self.provisional:
            self.provisional = partial
            self._resize()

    def _resize(self) -> None:
        # Follow the tail while the view is at the end (or the content fits); a user who
        # scrolled up stays where they are until they scroll back down. Decided here, at each
        # growth, rather than with Textual's anchor, which any programmatic scroll (a
        # horizontal scrollbar appearing, a focus change) released for good. `force`: right
        # after the growth Textual does not yet know the pane can scroll, and would ignore it.
        following = self.scroll_y >= self.max_scroll_y - 1
        self.virtual_size = Size(max([self._width, *(len(t) for _, t in self.provisional)]),
                                 len(self.lines) + len(self.provisional))
        if following:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        self.refresh()

    def clear(self) -> None:
        self.lines.clear()
        self.pending.clear()
        self.partial = {"stdout": "", "stderr": ""}
        self.provisional = []
        self.total_lines = self._width = 0
        self.virtual_size = Size(0, 0)
        self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self.refresh()

    def plain_lines(self) -> list[str]:
        return [line for _, line in self.lines]

    # -- rendering -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if index >= len(self.lines) + len(self.provisional):
            return Strip.blank(width, base)
        kind, text = self.lines[index] if index < len(self.lines) else self.provisional[index - len(self.lines)]
        style: Style = base + self.get_component_rich_style(f"exec-log--{kind}")
        strip = Strip([Segment(text, style)], len(text))
        return strip.crop_extend(scroll_x, scroll_x + width, base)


def _clean(line: str) -> str:
    return line.expandtabs(4).replace("\r", "")
