"""What a program is told about the terminal its output reaches: programs colour their output
(rich, click, pytest, ...) and curses works only when they know a terminal shows it."""

from __future__ import annotations

DEFAULT_TERM = "xterm-256color"


def terminal_env(term: str = "") -> dict[str, str]:
    """For a viewer that is a terminal (the CLI on a tty, the TUI's log, `--tty`): its TERM (else
    xterm-256color) and the usual signals to colour. Never for --json, pipes or files."""
    return {"TERM": term or DEFAULT_TERM, "FORCE_COLOR": "1", "CLICOLOR_FORCE": "1", "PY_COLORS": "1"}
