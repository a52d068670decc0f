"""What msc can say of a program whose engine went away mid-run.

When the engine is gone msc cannot ask how the program is: a frozen engine could not be asked
to stop it; a lost connection (sshd killed, the network down, dockerd restarted) may have left
it running, or the engine may have killed it. The session's runner records its end either way,
so the one line names `msc history`, which shows it once the engine answers again. A frozen
engine that answers again within its patience (engine/client.py: call_timeout + 5 s in all) is
asked for that record at once: a program that ended during the freeze has its true outcome.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Callable

from ..errors import EngineUnreachable, MscError

if TYPE_CHECKING:
    from ..engine import Engine
    from .run_capture import Capture
    from .run_history import RunHistory

OnNotice = Callable[[str, dict], None]  # ("started" | "warning", details)


class Notices:
    """The caller's notices passed on, and whether the program has started."""

    def __init__(self, on_notice: OnNotice | None):
        self.on_notice = on_notice
        self.started = False
        self.run_id: int | None = None

    def __call__(self, kind: str, details: dict) -> None:
        self.started |= kind == "started"
        if kind == "started":
            self.run_id = details.get("id")
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


async def recorded_end(engine: Engine, history: RunHistory, container: str, run_id: int | None,
                       capture: Capture, on_notice: Notices) -> dict | None:
    """The outcome the session's runner recorded for a run whose engine froze, when the engine
    answers again in time and the run has ended; the output the freeze held back is passed to
    `capture` (so the caller sees it too). None: no answer in time, or the run is still going."""
    if run_id is None or not await engine.answers_again():
        return None
    texts: dict[str, list[str]] = {"stdout": [], "stderr": []}
    end: dict = {}
    try:
        async with asyncio.timeout(max(engine.call_timeout, 5.0)):
            async for event in history.logs(container, str(run_id)):
                if event.kind == "output":
                    texts[event.stream].append(event.text)
                elif event.kind == "end":
                    end = event.meta
    except (TimeoutError, MscError):
        return None
    if end.get("state") != "finished" or not isinstance(end.get("exit_code"), int):
        return None
    for stream, parts in texts.items():
        held_back = "".join(parts)[capture.sizes[stream]:]
        if held_back:
            capture(stream, held_back.encode())
    on_notice("warning", {"text": "the Docker Engine stopped answering for a while; the run's end was read "
                                  "from its record in the session once it answered again"})
    return {"exit_code": end["exit_code"], "timed_out": bool(end.get("timed_out")),
            "cancelled": bool(end.get("cancelled")), "duration_s": end.get("duration_s", 0.0), "id": run_id,
            "stopped_by": end.get("stopped_by"), "oom_killed": end.get("oom_killed")}
