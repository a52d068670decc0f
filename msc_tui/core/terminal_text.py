"""Text from a session made safe for someone's terminal: data, never terminal commands.

A program in a shared session (or a run record it edited) must not reach a follower's
terminal as escape sequences: OSC 52 writes their clipboard, OSC 0 their window title, CSI
moves their cursor or clears their screen. So, as `cat -v` shows them, every control
character becomes visible text (ESC `^[`, BEL `^G`, DEL `^?`, the C1 control U+009B
`M-^[`), and what follows an ESC is then plain text the terminal does not interpret.

Kept as they are in output: SGR colour sequences (`ESC [ ... m`), `\\n`, `\\r` and `\\t`.
A name (a record field, a file name) is one line: there even these are shown visibly.

`VisibleText` filters a stream chunk by chunk: an ESC (or an unfinished SGR) at the end of
a chunk waits for the next one, so a sequence split across chunks is caught. The work is
linear in the text (one regular-expression pass) and the held tail is bounded.
"""

from __future__ import annotations

import re

_C0 = [*range(0x00, 0x20), 0x7F]
_SHOWN = {c: f"^{chr(c ^ 0x40)}" for c in _C0} | {c: f"M-^{chr(c - 0x80 + 0x40)}" for c in range(0x80, 0xA0)}
_SHOWN_IN_OUTPUT = {c: shown for c, shown in _SHOWN.items() if c not in (0x09, 0x0A, 0x0D)}
_SGR = r"\x1b\[[0-9;:]*m"
# An SGR (kept), or one control character (shown). Output keeps \t \n \r.
_OUTPUT = re.compile(rf"{_SGR}|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# What may still become an SGR once the next chunk comes: held back until it does (or not).
_UNFINISHED = re.compile(r"\x1b(?:\[[0-9;:]*)?\Z")
MAX_HELD = 256  # longer than any SGR a program writes; past it the tail is shown as it is


def _show(match: re.Match) -> str:
    found = match.group()
    return found if len(found) > 1 else _SHOWN_IN_OUTPUT[ord(found)]


def visible(text: str) -> str:
    """A whole piece of output: colours, newlines, carriage returns and tabs kept."""
    return _OUTPUT.sub(_show, text)


def visible_name(text: str) -> str:
    """A one-line field (who ran it, a file name, a message): every control character shown."""
    return text.translate(_SHOWN) if _ANY_CONTROL.search(text) else text


class VisibleText:
    """One stream's filter: feed() each chunk, finish() at its end."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, chunk: str) -> str:
        text, self._held = self._held + chunk, ""
        escape = text.rfind("\x1b", max(0, len(text) - MAX_HELD))
        if escape >= 0 and _UNFINISHED.match(text, escape):
            text, self._held = text[:escape], text[escape:]
        return visible(text)

    def finish(self) -> str:
        """What was held back (an ESC with nothing after it), shown: the stream ended."""
        held, self._held = self._held, ""
        return visible(held)
