"""What a user does with an output log beyond viewing it: find a line, save the lines to a file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.widget import Widget

from ..dialogs import AskText


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
