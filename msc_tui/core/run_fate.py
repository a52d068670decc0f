"""What msc can say of a program whose engine went away mid-run.

When the engine is gone msc cannot ask how the program is: a frozen engine could not be asked
to stop it; a lost connection (sshd killed, the network down, dockerd restarted) may have left
it running, or the engine may have killed it. The session's runner records its end either way,
so the one line names `msc history`, which shows it once the engine answers again.
"""

from __future__ import annotations

from typing import Callable

from ..errors import EngineUnreachable

OnNotice = Callable[[str, dict], None]  # ("started" | "warning", details)


class Notices:
    """The caller's notices passed on, and whether the program has started."""

    def __init__(self, on_notice: OnNotice | None):
        self.on_notice = on_notice
        self.started = False

    def __call__(self, kind: str, details: dict) -> None:
        self.started |= kind == "started"
        if self.on_notice:
            self.on_notice(kind, details)


def engine_lost(exc: EngineUnreachable, session: str, frozen: bool, started: bool) -> EngineUnreachable:
    """The one line for a run whose engine went away: the loss, and the program's fate as far as known."""
    shows = f"`msc history {session}` shows how it ended once the engine answers"
    if frozen:
        return EngineUnreachable(f"{exc}; msc could not stop the program ({shows})")
    if started:
        return EngineUnreachable(f"{exc}; the program may still be running ({shows})")
    return exc  # (it never started: there is no fate to tell)
