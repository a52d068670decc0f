"""What a user does with an output log beyond viewing it: search it (/, n, N), save it to a file (s)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widget import Widget

from ..dialogs import AskText

if TYPE_CHECKING:
    from .exec_log import ExecLog


def find_match(lines: Sequence[str], first_id: int, term: str, current: int | None, top: int,
               step: int) -> tuple[int, list[int]] | None:
    """The id of the next (step 1) or previous (-1) line holding `term` (any case), counted on
    from the `current` match, or else from the `top` line shown; with the ids of every match.
    None: no line holds it. Line ids start at `first_id` (the log's oldest kept line)."""
    term = term.lower()
    ids = [first_id + i for i, line in enumerate(lines) if term in line.lower()]
    if not ids:
        return None
    if current is None:
        after = [i for i in ids if i >= top] if step > 0 else [i for i in ids if i <= top]
        return ((after[0] if step > 0 else after[-1]) if after else ids[0 if step > 0 else -1]), ids
    position = next((n for n, i in enumerate(ids) if i >= current), 0)
    return ids[(position + step) % len(ids)], ids


def ask_search(log: ExecLog) -> None:
    def search(term: str | None) -> None:
        if term:
            log.search_term, log.match_id = term, None
            show_next_match(log, 1)

    log.app.push_screen(AskText("Search the output", "text to find (n: next, N: previous)", log.search_term), search)


def show_next_match(log: ExecLog, step: int) -> None:
    """The next (or previous) line holding the log's search term, marked and shown in the middle."""
    if not log.search_term:
        log.notify("nothing to find yet: / searches", severity="information")
        return
    top = log.rows[min(int(log.scroll_y), len(log.rows) - 1)][0] if log.rows else 0
    found = find_match(log.plain_lines(), log.first_id, log.search_term, log.match_id, top, step)
    if found is None:
        log.match_id = None
        log.notify(f"{log.search_term!r} is not in the output", severity="warning")
        log.refresh()
        return
    log.match_id, ids = found
    row = next(n for n, (i, _start) in enumerate(log.rows) if i == log.match_id)
    log.scroll_to(y=max(0, row - log.scrollable_content_region.height // 2), animate=False, immediate=True,
                  force=True)
    log.notify(f"match {ids.index(log.match_id) + 1} of {len(ids)} for {log.search_term!r}")
    log.refresh()


def ask_and_save(log: Widget, lines: Sequence[str]) -> None:
    """Ask for a path, then write the lines there (a line each); the log notifies how it went."""

    def save(path: str | None) -> None:
        if not path:
            return
        target = Path(path).expanduser()
        try:
            target.write_text("\n".join(lines) + "\n")
        except OSError as exc:
            log.notify(f"{target}: cannot write it ({exc.strerror})", severity="error")
            return
        log.notify(f"saved {len(lines)} lines to {target}")

    log.app.push_screen(AskText("Save the output to a file", "a path", str(Path.cwd() / "msc-output.txt")), save)
