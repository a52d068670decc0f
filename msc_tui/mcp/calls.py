"""How one tool call meets its request: progress notifications while it works, and the end of
the request (cancelled by the client, or the client gone) ending its work as Ctrl-C does."""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable, TypeVar

import anyio

from ..core.runs import KILL_GRACE_S

T = TypeVar("T")
PERIOD_S = 1.0  # between two progress notifications of one call
SETTLE_S = KILL_GRACE_S + 10  # a cancelled call's time to kill its run and settle (the API waits 15 s)

Send = Callable[[float, str], Awaitable[None]]  # (progress: seconds so far, message)


class Progress:
    """What a call has done lately, for the client that gave a progress token: the core reports
    through the sync callbacks below, a ticker sends the latest once a second."""

    def __init__(self, send: Send | None, what: str):
        self.send = send
        self.message = what
        self.output_bytes = 0
        self.started = time.monotonic()

    @property
    def wanted(self) -> bool:
        return self.send is not None

    def note(self, text: str) -> None:
        self.message = text.strip()[-200:] or self.message

    def output(self, stream: str, text: str) -> None:
        self.output_bytes += len(text)
        line = text.strip().rsplit("\n", 1)[-1]
        if line:
            self.message = f"{self.output_bytes} characters of output so far; last line: {line[-200:]}"

    def notice(self, kind: str, details: dict) -> None:
        if kind == "started":
            self.message = f"run {details.get('id')} started"
        elif kind == "warning":
            self.note(f"warning: {details.get('text', '')}")

    async def tick(self) -> None:
        assert self.send is not None
        while True:
            await asyncio.sleep(PERIOD_S)
            try:
                await self.send(round(time.monotonic() - self.started, 1), self.message)
            except Exception:  # the client went away: the call's own end says the rest
                return


async def detached(work: Awaitable[T], progress: Progress) -> T:
    """Await the core's coroutine as a task of its own. The SDK cancels a request's handler with
    an anyio cancel scope, which cancels again at every await; the core's runs kill their
    program when cancelled once (as the API's Ctrl-C does) and need to await while they do. So
    the task is cancelled once, and awaited shielded until it has settled."""
    task = asyncio.ensure_future(work)
    ticker = asyncio.ensure_future(progress.tick()) if progress.wanted else None
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with anyio.CancelScope(shield=True):
            task.cancel()
            await asyncio.wait([task], timeout=SETTLE_S)
        raise
    finally:
        if ticker:
            ticker.cancel()
