"""The network window of an `install-only` session: attached for installers, never left open.

User code in such a session has only loopback; an install attaches the bridge network for
the installer. Installs running at once (two terminals, an agent and a person) share one
attach: each holds a shared lock on the session's file under MSC_HOME while it installs,
and whoever finds no other holder afterwards detaches. A window left open by a killed msc
is closed by the next msc that opens this home (`close_forgotten`).
"""

from __future__ import annotations

import asyncio
import fcntl
from contextlib import asynccontextmanager
from pathlib import Path

from ..engine import Engine
from ..engine.containers import ContainerInfo
from ..errors import MscError

NETWORK = "bridge"


class Bridge:
    def __init__(self, engine: Engine, state_dir: Path):
        self.engine = engine
        self.folder = state_dir / "installs"

    def _lock_file(self, session_id: str):
        self.folder.mkdir(parents=True, exist_ok=True)
        return open(self.folder / f"{session_id}.lock", "a")

    @asynccontextmanager
    async def attached(self, session_id: str, container: str):
        lock = self._lock_file(session_id)
        try:
            # A detach in progress holds the lock exclusively for a moment: wait it out.
            await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_SH)
            info = await self.engine.containers.inspect(container)
            if NETWORK not in info.networks:
                try:
                    await self.engine.containers.connect_network(container, NETWORK)
                except MscError:  # another install attached it a moment ago
                    if NETWORK not in (await self.engine.containers.inspect(container)).networks:
                        raise
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            try:
                await asyncio.shield(self._detach_if_last(lock, container))
            finally:
                lock.close()

    async def _detach_if_last(self, lock, container: str) -> None:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another install still needs the network; it detaches
            return
        try:
            await self.engine.containers.disconnect_network(container, NETWORK)
        except MscError:  # already detached by another install that finished
            pass
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    async def close_forgotten(self, containers: list[ContainerInfo]) -> list[str]:
        """Detach install-only sessions left on the network with no install going (msc was
        killed mid-install); returns their names."""
        closed = []
        for c in containers:
            if c.labels.get("msc.network") != "install-only" or NETWORK not in c.networks:
                continue
            lock = self._lock_file(c.labels.get("msc.session", "unknown"))
            with lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # an install is going: its window is legitimate
                    continue
                try:
                    await self.engine.containers.disconnect_network(c.name, NETWORK)
                    closed.append(c.name)
                except MscError:
                    pass
        return closed
