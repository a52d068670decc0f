"""The run agent's core, as a fresh `msc` would open it, for each request.

The agent keeps its engine connection and warm servers only while they are still what a new
msc would use: per request the endpoint is resolved again (DOCKER_HOST, the docker CLI's
current context, [engine] host), and a different one gets a new connection; the home is
checked again as at every msc's start (core/service.py's check_home: records re-read, install
windows a killed install left open closed, unrecorded containers adopted). The session's
container and its identity are checked by the run itself (cli/msc_run.py, core/runs.py).
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator

from ..config import Settings
from ..core.service import Msc, chosen_endpoint


class FreshCores:
    """The Msc for the current endpoint; one left behind by a switch closes after its last request."""

    def __init__(self, settings: Settings, first: Msc):
        self.settings = settings
        self.current = first
        self._users: dict[Msc, int] = {first: 0}
        self._switching = asyncio.Lock()

    @asynccontextmanager
    async def request(self) -> AsyncIterator[tuple[Msc, list[str]]]:
        """(the core, the warnings a fresh msc would print at its start) for one request."""
        async with self._switching:
            if chosen_endpoint(self.settings) != self.current.endpoint:
                await self._switch()
            msc = self.current
            self._users[msc] += 1
        try:
            yield msc, await msc.check_home()
        finally:
            self._users[msc] -= 1
            if msc is not self.current and not self._users[msc]:
                await self._retire(msc)

    async def _switch(self) -> None:
        """To a new engine connection (EngineUnreachable, as a fresh msc says it, when none answers)."""
        old, self.current = self.current, await Msc.open(self.settings, warm=True)
        self._users[self.current] = 0
        if not self._users[old]:
            await self._retire(old)

    async def _retire(self, msc: Msc) -> None:
        del self._users[msc]
        await msc.close()

    async def close(self) -> None:
        for msc in list(self._users):
            await msc.close()
