"""The warm pool: sessions made ahead of time, so that a new session is a claim (core/pool_claim.py).

Kept by the long-lived msc processes only (the run agent, the TUI, the API, the MCP server:
Msc.open(warm=True)); nothing runs when no msc runs, and a short-lived command never refills.
Per app type that has its image already (the pool never builds one): the home's default app
type, and those of the home's sessions made within [pool] idle. Each pool session is made as
any session (session_making.make), its runner placed and one warm server of this process
open in it, and only then recorded as ready; its reservation is taken under the state lock
up to [pool] size, so processes refilling at once never overfill. The pool waits while the
home keeps getting new sessions: after [pool] idle without one (nor the pool's own start),
its sessions are retired and it is not refilled until the next new session; nor after a
clean of the pool (core/pool_pause.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from ..errors import MscError
from . import runner_ship
from .pool_claim import expired, last_demand, lost, pool_key, retire
from .pool_pause import paused_since
from .recipe import render
from .runs import Runs
from .session_making import make, new_record, reserve
from .sessions import Sessions
from .state import SessionRecord

LONGEST_WAIT_S = 30.0  # the pool looks at least this often (idle-out, containers removed behind its back)
REFILL_AFTER_S = 1.0  # after a new session, the refill waits this long: its first runs go first


class Pool:
    def __init__(self, sessions: Sessions, runs: Runs):
        self.sessions, self.runs = sessions, runs
        self.settings = sessions.settings
        self.started = time.time()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Keep the pool in the background (nothing when [pool] size is 0)."""
        if self.settings.pool_size > 0 and self._task is None:
            self.started = time.time()
            self._task = asyncio.create_task(self._keep())

    async def close(self) -> None:
        """Stop refilling (the pool's sessions stay for the next msc, until they idle out)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, MscError):
                await self._task
            self._task = None

    async def _keep(self) -> None:
        wait = max(0.5, min(LONGEST_WAIT_S, self.settings.pool_idle / 4))
        while True:
            self.sessions.made.clear()
            try:
                await self.tend()
            except MscError:  # an engine away or a state file locked: the next look tries again
                pass
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self.sessions.made.wait()
                    await asyncio.sleep(REFILL_AFTER_S)

    async def tend(self) -> None:
        """Idle or lost pool sessions retired; while the home is in use, the pool filled and warm."""
        sessions = self.sessions
        before = sessions.records()
        present = {c.name for c in await sessions.engine.containers.list(label=sessions.home_label)}
        gone = await retire(sessions.store, sessions.engine, sessions.home,
                            expired(self.settings.pool_idle, lost(before, present)))
        sessions.warm_pool.difference_update(gone)
        records = sessions.records()
        since = max(self.started, last_demand(records))
        if time.time() - since > self.settings.pool_idle or paused_since(self.settings.state_dir) > since:
            return
        for app_type in await self._app_types(records):
            await self._fill(app_type)

    async def _app_types(self, records: dict[str, SessionRecord]) -> list[str]:
        """The default app type and the recent sessions' ones, whose images are here already."""
        recent = time.time() - self.settings.pool_idle
        wanted = [self.settings.default_app_type] + [r.app_type for r in records.values()
                                                       if not r.pool and r.created_at >= recent]
        return [t for t in dict.fromkeys(wanted)
                if await self.sessions.engine.images.exists(render(t, self.settings).tag)]

    async def _fill(self, app_type: str) -> None:
        recipe = render(app_type, self.settings)
        network = self.settings.network
        key = pool_key(self.settings, app_type, recipe.tag, network)
        size = self.settings.pool_size

        def reserve_up_to_size(records: dict[str, SessionRecord]) -> list[SessionRecord]:
            have = sum(1 for r in records.values() if r.pool == key)
            new = [new_record(app_type, recipe.tag, network, recipe.has_uv, pool=key) for _ in range(size - have)]
            for record in new:
                reserve(records, record)
            return new
        reserved = await self.sessions.store.aupdate(reserve_up_to_size)
        try:
            for record in reserved:
                await make(self.sessions, record, self._warm_up)
        except BaseException:  # (make undoes its own) the reservations not begun go too: never counted
            waiting = {r.id for r in reserved if not r.container_id}
            await asyncio.shield(self.sessions.store.aupdate(lambda records: [records.pop(s, None) for s in waiting]))
            raise
        for record in self.sessions.records().values():  # made by another msc: warm here too
            if record.pool == key and record.container_id and record.container_name not in self.sessions.warm_pool:
                with contextlib.suppress(MscError):
                    await self._warm_up(record)

    async def _warm_up(self, record: SessionRecord) -> None:
        """The runner placed and a warm server of this process waiting in the session."""
        await self.sessions.ensure_verified(record)
        await runner_ship.place(self.sessions.engine, record.container_name)
        name, servers = record.container_name, self.runs.servers
        await servers.forget_if_replaced(name, self.sessions.verified[name])
        channel = await servers.take(name, lambda: self.runs.start_warm(name))
        if channel is not None:
            await servers.release(channel, reuse=True)
        self.sessions.warm_pool.add(name)
