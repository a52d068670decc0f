"""A long-lived client (the Python API, an MCP server) shown as present in the sessions it
works in, between runs too: one runner stream per session (runner `here`), opened after its
first run there and held until the client closes, or its process ends and the engine closes
the stream. A run costs no extra exec; presence is best effort (a failure is no run's failure)."""

from __future__ import annotations

import asyncio
import contextlib

from ..errors import MscError
from .run_history import RunHistory

STAYING_FACES = ("api", "mcp")  # the faces that live long and follow nothing (a TUI follows already)


class Attendance:
    def __init__(self, records: RunHistory):
        self.records = records
        self._stays: dict[str, asyncio.Task] = {}  # container name -> the stream that lists this client there
        self._unlisted: set[str] = set()  # older sessions, where nobody is listed: never asked again

    def worked_in(self, container: str, face: str) -> None:
        """This client ran something in `container` as `face`: listed there from now on."""
        stay = self._stays.get(container)
        if face in STAYING_FACES and (stay is None or stay.done()) and container not in self._unlisted:
            self._stays[container] = asyncio.create_task(self._stay(container, face))

    async def _stay(self, container: str, face: str) -> None:
        with contextlib.suppress(MscError):  # (the session removed, the engine gone: its entry goes too)
            if not await self.records.stay(container, face):
                self._unlisted.add(container)

    async def close(self) -> None:
        stays, self._stays = list(self._stays.values()), {}
        for stay in stays:
            stay.cancel()
        await asyncio.gather(*stays, return_exceptions=True)
