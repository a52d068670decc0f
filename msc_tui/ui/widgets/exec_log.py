"""A bounded, streaming output log: stdout, stderr and msc's own lines styled apart.

Text arrives in arbitrary chunks; `feed` buffers them and whole lines are added in batches
(the caller flushes on a timer), so a program printing 100,000 lines costs a few hundred
refreshes, and memory stays at `max_lines` however much is printed.

As a terminal would show it: program colours (SGR) are kept on top of the stream's style; a
`\\r` redraws its line (a progress bar shows its last state, and only that is kept, so an
update costs time in the line's length, not in the updates before it); other control
characters and sequences are shown as text (^X, core/terminal_text), never sent to the
terminal: not even a link (OSC 8), whose target Textual would write into the terminal as it
is. Widths are terminal cells. Long lines wrap (w toggles). The view follows the tail while it is at the
bottom, and stays where a user scrolled to (End follows again). / searches, n and N move
between matches.
"""

from __future__ import annotations

import re
from collections import deque

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.terminal_text import visible
from .log_actions import ask_and_save, ask_search, show_next_match

_PLAIN = re.compile(r"[^\x00-\x08\x0b-\x1f\x7f-\x9f]*\Z")  # nothing a terminal would interpret (tab aside)
_SGR = re.compile(r"\x1b\[[0-9;:]*m")  # a colour (Select Graphic Rendition): what the log reads of ESC [
_MATCH = Style(reverse=True)
_CONSOLE = Console(color_system="truecolor")  # only to turn Text into segments; never prints


def redrawn(line: str) -> str:
    """What a terminal still shows of a line redrawn with \\r: its last state that is not empty
    (a bar that ends in \\r shows until the next draw), and that \\r, which the next text redraws.
    A colour set before a \\r still holds after it, as in a terminal: the colours (SGR) of the
    states drawn over are kept before the last one."""
    if "\r" not in line:
        return line
    drawn = line.rstrip("\r")
    over, _, last = drawn.rpartition("\r")
    return _sgr_state(over) + last + ("\r" if len(drawn) < len(line) else "")


def _sgr_state(text: str) -> str:
    """The colour sequences in `text`, as few as give the same state: those after the last
    reset, each only at its last place (a sequence sets the attributes it names, so an earlier
    copy changes nothing), so a bar redrawn in colour 10,000 times keeps a few, not 10,000."""
    found = _SGR.findall(text)
    resets = [i for i, sequence in enumerate(found) if sequence in ("\x1b[m", "\x1b[0m")]
    found = found[resets[-1] + 1:] if resets else found
    return "".join(reversed(dict.fromkeys(reversed(found))))


class _Entry:
    """One line: its kind, its text without styles, its segments (program styles) and width."""

    __slots__ = ("kind", "plain", "segments", "cells")

    def __init__(self, kind: str, raw: str):
        raw = raw.expandtabs(4)
        self.kind = kind
        if _PLAIN.match(raw) and "\r" not in raw:
            self.plain, self.segments = raw, [Segment(raw)]
        else:
            # Only SGR is left for from_ansi to read, into styles
            text = Text.from_ansi(visible(redrawn(raw).rstrip("\r")))
            self.segments = [Segment(s.text, s.style) for s in text.render(_CONSOLE) if s.text]
            self.plain = "".join(s.text for s in self.segments)
        self.cells = len(self.plain) if self.plain.isascii() else cell_len(self.plain)


class ExecLog(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"exec-log--stdout", "exec-log--stderr", "exec-log--meta"}
    DEFAULT_CSS = """
    ExecLog { background: $surface; scrollbar-gutter: stable; overflow-x: hidden; }
    ExecLog > .exec-log--stdout { color: $text; }
    ExecLog > .exec-log--stderr { color: $text-error; }
    ExecLog > .exec-log--meta { color: $text-accent; text-style: bold; }
    """
    BINDINGS = [
        Binding("w", "toggle_wrap", "Output: wrap long lines or not", show=False),
        Binding("slash", "search", "Output: search", show=False),
        Binding("n", "next_match", "Output: next match", show=False),
        Binding("N", "next_match(-1)", "Output: previous match", show=False),
        Binding("end", "follow", "Output: follow the end again", show=False),
        Binding("y", "copy_run", "Output: copy the last run's output (OSC 52, works over SSH)", show=False),
        Binding("s", "save", "Output: save it to a file", show=False),
        Binding("c", "clear", "Output: clear", show=False),
    ]

    # `following` as last seen (the Output tab shows "⏸ End" while it is False): updated on each
    # scroll, growth and resize, so nothing has to poll it.
    follows: reactive[bool] = reactive(True, init=False)

    def __init__(self, max_lines: int = 10_000, **kwargs):
        super().__init__(**kwargs)
        self.max_lines = max_lines
        self.entries: deque[_Entry] = deque(maxlen=max_lines)
        self.rows: deque[tuple[int, int]] = deque()  # screen rows: (entry id, first cell)
        self.pending: deque[tuple[str, str]] = deque(maxlen=max_lines)  # back-pressure: oldest drop
        self.wrap = True
        self._wrap_width = 0  # the width rows were cut for
        self.search_term = ""
        self.run_start_id = 0  # the first line of the last run (what y copies)
        self._empty()

    def _empty(self) -> None:
        self.entries.clear()
        self.rows.clear()
        self.pending.clear()
        self.first_id = 0  # the id (count of lines ever added) of entries[0]
        self.partial = {"stdout": "", "stderr": ""}
        self.total_lines = 0
        self._width = 0  # widest line, in cells (when not wrapping)
        self.provisional: list[tuple[str, str]] = []  # lines still without their newline (a prompt)
        self._provisional: list[_Entry] = []
        self._provisional_raw: list[tuple[str, str]] = []  # as the program wrote them
        self.match_id: int | None = None

    @property
    def lines(self) -> list[tuple[str, str]]:
        return [(e.kind, e.plain) for e in self.entries]

    @property
    def following(self) -> bool:
        return self.scroll_y >= self.max_scroll_y - 1

    def _note_following(self) -> None:
        self.follows = self.following

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._note_following()

    # -- input -----------------------------------------------------------------------------
    def feed(self, stream: str, text: str) -> None:
        """Buffer a chunk of program output; complete lines wait for `flush`."""
        pieces = (self.partial[stream] + text).split("\n")
        self.partial[stream] = redrawn(pieces.pop())
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
        following = self.following
        self.provisional, self._provisional, self._provisional_raw = [], [], []
        batch = [_Entry(kind, line) for kind, line in self.pending]
        self.pending.clear()
        for entry in batch:
            if len(self.entries) == self.max_lines:
                self.first_id += 1
            self.entries.append(entry)
            self._add_rows(self.first_id + len(self.entries) - 1, entry)
        while self.rows and self.rows[0][0] < self.first_id:
            self.rows.popleft()
        self._width = max(self._width, max(e.cells for e in batch))
        self._resize(following)

    def show_partial(self) -> None:
        """A line the program printed without its newline (a prompt, a progress bar) shows as
        it is, for now."""
        partial = [(stream, rest) for stream, rest in self.partial.items() if rest]
        if partial != self._provisional_raw:
            following = self.following
            self._provisional_raw = partial
            self._provisional = [_Entry(k, r) for k, r in partial]
            self.provisional = [(e.kind, e.plain) for e in self._provisional]
            self._resize(following)

    def _add_rows(self, entry_id: int, entry: _Entry) -> None:
        width = self._wrap_width if self.wrap else 0
        if width <= 0 or entry.cells <= width:
            self.rows.append((entry_id, 0))
        else:
            self.rows.extend((entry_id, start) for start in range(0, entry.cells, width))

    def _rebuild_rows(self) -> None:
        self.rows.clear()
        for offset, entry in enumerate(self.entries):
            self._add_rows(self.first_id + offset, entry)

    def on_resize(self) -> None:
        # A new size (F10's zoom and back, a terminal resized) never stops the following: a view
        # that followed the tail before it follows after it, once the scrollbars are settled.
        following = self.follows
        self._rewrap(following)
        self.call_after_refresh(self.action_follow if following else self._note_following)

    def _rewrap(self, following: bool | None = None) -> None:
        """Rows cut again for the width there is now (a resize, a scrollbar that came or went)."""
        width = max(1, self.scrollable_content_region.width)
        if self.wrap and width != self._wrap_width:
            following = self.following if following is None else following
            self._wrap_width = width
            self._rebuild_rows()
            self._resize(following)

    def _resize(self, following: bool) -> None:
        # Follow the tail while the view is at the end (or the content fits); a user who
        # scrolled up stays where they are until they scroll back down. Decided here, at each
        # growth, rather than with Textual's anchor, which any programmatic scroll (a
        # horizontal scrollbar appearing, a focus change) released for good. `force`: right
        # after the growth Textual does not yet know the pane can scroll, and would ignore it.
        extra = sum(self._rows_of(e) for e in self._provisional)
        width = self._wrap_width if self.wrap else max([self._width, *(e.cells for e in self._provisional)])
        self.virtual_size = Size(width, len(self.rows) + extra)
        if following:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        self._note_following()
        self.refresh()

    def _rows_of(self, entry: _Entry) -> int:
        width = self._wrap_width if self.wrap else 0
        return 1 if width <= 0 else max(1, -(-entry.cells // width))

    def clear(self) -> None:
        self._empty()
        self.virtual_size = Size(0, 0)
        self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self._note_following()
        self.refresh()

    def plain_lines(self) -> list[str]:
        return [e.plain for e in self.entries]

    def mark_run_start(self) -> None:
        """The next line begins a run's output."""
        self.flush(final=True)
        self.run_start_id = self.first_id + len(self.entries)

    def last_run_text(self) -> str:
        start = max(0, self.run_start_id - self.first_id)
        return "\n".join(e.plain for i, e in enumerate(self.entries) if i >= start) + "\n"

    # -- keys ------------------------------------------------------------------------------
    def action_toggle_wrap(self) -> None:
        following = self.following
        self.wrap = not self.wrap
        self.styles.overflow_x = "hidden" if self.wrap else "auto"
        self._wrap_width = max(1, self.scrollable_content_region.width) if self.wrap else 0
        self._rebuild_rows()
        self._resize(following)
        self.notify("long lines wrap" if self.wrap else "long lines are cut (scroll sideways)")

    def action_copy_run(self) -> None:
        text = self.last_run_text()
        self.app.copy_to_clipboard(text)
        self.notify(f"copied {len(text.splitlines())} lines to the clipboard (OSC 52: the terminal must allow it)")

    def action_save(self) -> None:
        ask_and_save(self, self.plain_lines())

    def action_clear(self) -> None:
        self.clear()

    def action_follow(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def action_search(self) -> None:
        ask_search(self)

    def action_next_match(self, step: int = 1) -> None:
        """The next (or previous) line holding the search term, shown in the middle."""
        show_next_match(self, step)

    # -- rendering -------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if self.wrap and self.scrollable_content_region.width != self._wrap_width:
            self.call_later(self._rewrap)
        entry, start = self._row(index)
        if entry is None:
            return Strip.blank(width, base)
        style: Style = base + self.get_component_rich_style(f"exec-log--{entry.kind}")
        matched = self.match_id is not None and index < len(self.rows) and self.rows[index][0] == self.match_id
        if matched:
            style += _MATCH
        strip = Strip(list(Segment.apply_style(entry.segments, style)), entry.cells)
        if self.wrap and self._wrap_width:
            strip = strip.crop(start, start + self._wrap_width)
            return strip.extend_cell_length(width, style if matched else base)
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _row(self, index: int) -> tuple[_Entry | None, int]:
        if index < len(self.rows):
            entry_id, start = self.rows[index]
            return self.entries[entry_id - self.first_id], start
        index -= len(self.rows)
        for entry in self._provisional:  # after the kept lines, the ones still being written
            count = self._rows_of(entry)
            if index < count:
                return entry, index * (self._wrap_width if self.wrap else 0)
            index -= count
        return None, 0
