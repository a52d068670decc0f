"""The session a choice names (F2's picker, F5's, the palette's "Join a session by id"): reused,
made, restored, or a pair's joined by id or name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...core.ownership import LABEL_USER
from ...core.service import Msc
from ...core.state import SessionRecord
from ...core.terminal_text import visible_name
from .picker import Choice

if TYPE_CHECKING:
    from .main import MainScreen


async def chosen_session(screen: MainScreen, choice: Choice) -> SessionRecord:
    sessions = screen.app.core.sessions
    if choice.action == "reuse":
        record = sessions.resolve(choice.session)
        await sessions.ensure_running(record)
        return record
    if choice.action == "join":
        record, where = await join(screen.app.core, choice.session)
        screen.log_view.meta(where)
        return record
    if choice.action == "restore":
        return await screen.output.restore_session(choice.session, screen.packages.panel.log_view.feed)
    return await screen.output.create_session(screen.editor.text, choice.app_type)


async def join(core: Msc, ref: str) -> tuple[SessionRecord, str]:
    """The session (a pair's too, by the CLI's rule: core/ownership.py) and a line saying where
    you are: whose session it is and its last run."""
    target = await core.sessions.find(ref)
    record = target.session
    runs = await core.runs.history(target.name)
    last = f"; last run {runs[-1]['id']} by {runs[-1]['by']} ({runs[-1]['file']})" if runs else "; no runs yet"
    owner = target.container.labels.get(LABEL_USER, "?") if target.container else "?"
    where = f"working in {target.name}" if target.ours else f"joined {owner}'s session {target.name}"
    return record, visible_name(where + last)
