"""Who else is in the session the Output tab follows (runner/presence.py): a log line when
someone joins, leaves or opens another file, and their names under the log."""

from __future__ import annotations

from rich.text import Text

from ...core import terminal_text
from ..widgets.exec_log import ExecLog


class OthersHere:
    def __init__(self, log: ExecLog) -> None:
        self.log = log
        self.people: dict[tuple, dict] = {}  # (by, face, client, since) -> the entry, others only

    def clear(self) -> None:
        self.people = {}  # (another session's people did not leave: no lines)
        self._names()

    def update(self, present: list[dict], mine: str, joined: bool) -> None:
        """`present`: everyone listed now (this client, `mine`, left out); `joined`: not the
        first list, whose people were here already. Names are others' words: shown as text."""
        now = {(p.get("by"), p.get("face"), p.get("client"), p.get("since")): p for p in present
               if p.get("client") != mine}
        for key in now.keys() - self.people.keys():
            editing = self._editing(now[key])
            self._say(f"{key[0]} {'joined' if joined else 'is here'} ({key[1]})" + (f", {editing}" if editing else ""))
        for key in now.keys() & self.people.keys():
            if now[key].get("what") != self.people[key].get("what") and (editing := self._editing(now[key])):
                self._say(f"{key[0]} ({key[1]}) is {editing}")
        for key in self.people.keys() - now.keys():
            self._say(f"{key[0]} left")
        self.people = now
        self._names()

    @staticmethod
    def _editing(entry: dict) -> str:
        what = entry.get("what")
        return what if isinstance(what, str) and what.startswith("editing ") else ""

    def _say(self, line: str) -> None:
        self.log.meta(terminal_text.visible_name(line))

    def _names(self) -> None:
        names = sorted({f"{p.get('by')} ({p.get('face')})" for p in self.people.values()})
        self.log.border_subtitle = Text(terminal_text.visible_name("here: " + ", ".join(names))) if names else ""
        following = self.log.follows
        self.log.styles.border_bottom = ("solid", "grey") if names else None
        if following:  # the line under the log takes a row of it: the tail stays in view
            self.log.call_after_refresh(self.log.action_follow)
