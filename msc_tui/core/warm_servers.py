"""This client's warm servers: `serve` execs of the session runner kept open between runs.

An idle one takes the next run in its session; a session gets a few at most (concurrent runs
beyond take the exec path); a session that was removed and restored (same name, new
container) loses the old ones."""

from __future__ import annotations

from typing import Awaitable, Callable

from ..engine import Engine
from ..engine.execs import ExecChannel
from ..errors import MscError

WARM_PER_SESSION = 2  # warm servers a client keeps per session (concurrent runs beyond take the exec path)


async def warm_memory(engine: Engine, name: str) -> int | None:
    """Resident memory of a session's warm servers (anyone's: runner processes in `serve` mode,
    their preloaded modules included); None when the engine cannot tell."""
    try:
        processes = await engine.containers.processes(name)
    except MscError:
        return None
    return sum(rss for rss, args in processes if "msc_runner_" in args and " serve " in args)


class WarmServers:
    def __init__(self) -> None:
        self._idle: dict[str, list[ExecChannel]] = {}  # warm servers waiting, per container
        self._serving: dict[str, int] = {}  # warm servers open (idle or busy), per container
        self.cold: set[str] = set()  # containers whose runner cannot serve warm
        self._ids: dict[str, str] = {}  # container name -> the ID its warm servers run in

    async def close(self) -> None:
        """End the idle servers (each exits when its stream closes)."""
        idle, self._idle = self._idle, {}
        for channels in idle.values():
            for channel in channels:
                await self.release(channel, reuse=False)

    async def forget_if_replaced(self, name: str, container_id: str) -> None:
        """A session removed and restored keeps its name, not its ID: the old container's warm
        servers (and what was learnt about its runner) are dropped."""
        if self._ids.setdefault(name, container_id) == container_id:
            return
        self._ids[name] = container_id
        self.cold.discard(name)
        for channel in self._idle.pop(name, []):
            await self.release(channel, reuse=False)
        self._serving.pop(name, None)

    async def take(self, container: str, start: Callable[[], Awaitable[ExecChannel]]) -> ExecChannel | None:
        """A warm server for a run: an idle one, a new one (`start`), or None (take the exec path)."""
        if container in self.cold:
            return None
        if self._idle.get(container):
            return self._idle[container].pop()
        if self._serving.get(container, 0) >= WARM_PER_SESSION:
            return None
        channel = await start()
        self._serving[container] = self._serving.get(container, 0) + 1
        return channel

    async def release(self, channel: ExecChannel, reuse: bool) -> None:
        """After a run: kept for the next one (`reuse`), or closed."""
        if reuse:
            self._idle.setdefault(channel.container, []).append(channel)
            return
        self._serving[channel.container] = max(0, self._serving.get(channel.container, 0) - 1)
        await channel.close()
