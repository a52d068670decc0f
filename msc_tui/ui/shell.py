"""F8: an interactive shell in a session, the app suspended meanwhile (the docker CLI's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.state import SessionRecord
from ..errors import MscError

if TYPE_CHECKING:
    from .app import MscApp


async def open_shell(app: MscApp, record: SessionRecord | None) -> None:
    if record is None:
        app.notify("select a session", severity="warning")
        return
    try:
        shell = await app.core.shell(record)
    except MscError as exc:  # no docker CLI on PATH, or the session cannot start
        app.notify(str(exc), severity="warning")
        return
    with app.suspend():
        shell.call()
