"""The warm pool's records (sessions.toml): which settings a pool session matches, claiming
one, and retiring the ones nobody claimed.

A pool session is an ordinary session of the home whose record says `pool = KEY`: made as
any session is, with no runs, no files, hidden from `msc ls`. Every change of that field
happens under the state lock, so two msc processes of a home never claim the same one, nor
overfill the pool (core/pool.py reserves up to the size under the same lock). Retiring marks
the record first (RETIRING: neither claimable nor counted), removes the container, then the
record: a record-less container would be adopted as a session by the next msc (check_home).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from pathlib import Path
from typing import Callable

from ..config import Settings
from ..engine import Engine
from ..errors import NotFound
from . import runner_ship
from .ownership import LABEL_HOME, LABEL_SESSION
from .recipe import INSTALL_USER
from .state import SessionRecord, StateStore

RETIRING = "retiring"
MAKE_GRACE_S = 120.0  # a reservation with no container after this long was left by a killed msc

Chooser = Callable[[dict[str, SessionRecord]], list[str]]


def pool_key(settings: Settings, app_type: str, image: str, network: str) -> str:
    """Everything a claimed session must share with a fresh one: what make_container and the
    warm path depend on (the runner's version: a pool session has this msc's runner placed)."""
    wheelhouse = str(Path(settings.wheelhouse).resolve()) if settings.wheelhouse else ""
    parts = [app_type, image, network, settings.memory, settings.pids_limit, settings.cpus, wheelhouse,
             INSTALL_USER, runner_ship.shipped().name]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def last_demand(records: dict[str, SessionRecord]) -> float:
    """When this home last got a new session (made or claimed): the pool waits while that is recent."""
    return max((r.created_at for r in records.values() if not r.pool), default=0.0)


def lost(records: dict[str, SessionRecord], present: set[str]) -> set[str]:
    """Pool records whose container is gone: `records` read before the home's containers were
    listed (`present`), so a pool session made meanwhile is never taken for a lost one."""
    return {sid for sid, r in records.items()
            if r.pool not in ("", RETIRING) and r.container_id and r.container_name not in present}


def expired(idle: float, gone: frozenset[str] | set[str] = frozenset(), now: float | None = None) -> Chooser:
    """The pool records to retire: idle (no new session in the home, nor this one made, for
    `idle` seconds), left half-retired or half-made by a killed msc, or `gone` (lost())."""
    def choose(records: dict[str, SessionRecord]) -> list[str]:
        at = now or time.time()
        since = last_demand(records)
        chosen = []
        for sid, r in records.items():
            if not r.pool:
                continue
            if r.pool == RETIRING or at - max(r.created_at, since) > idle:
                chosen.append(sid)
            elif not r.container_id:
                if at - r.created_at > MAKE_GRACE_S:
                    chosen.append(sid)
            elif sid in gone:
                chosen.append(sid)
        return chosen
    return choose


async def retire(store: StateStore, engine: Engine, home: str, choose: Chooser) -> list[str]:
    """Remove the chosen pool sessions (containers, then records); their container names."""
    if not choose(store.read()):  # the common case: no write, no lock
        return []

    def mark(records: dict[str, SessionRecord]) -> list[SessionRecord]:
        chosen = [records[sid] for sid in choose(records) if records[sid].pool]
        for record in chosen:
            record.pool = RETIRING
        return chosen
    marked = await store.aupdate(mark)
    for record in marked:
        with contextlib.suppress(NotFound):
            labels = (await engine.containers.inspect(record.container_name)).labels
            if labels.get(LABEL_HOME) == home and labels.get(LABEL_SESSION) == record.id:
                await engine.containers.remove(record.container_name)

    def forget(records: dict[str, SessionRecord]) -> None:
        for record in marked:
            if records.get(record.id) is not None and records[record.id].pool == RETIRING:
                del records[record.id]
    await store.aupdate(forget)
    return [r.container_name for r in marked]


async def claim(store: StateStore, key: str, prefer: set[str]) -> SessionRecord | None:
    """A ready pool session matching `key`, made an ordinary session (new from now on); one
    whose warm servers this process holds (`prefer`) first. None when the pool has none."""
    if not any(r.pool == key and r.container_id for r in store.read().values()):
        return None
    now = time.time()

    def take(records: dict[str, SessionRecord]) -> SessionRecord | None:
        ready = [r for r in records.values() if r.pool == key and r.container_id]
        if not ready:
            return None
        record = max(ready, key=lambda r: (r.container_name in prefer, r.created_at))
        record.pool, record.created_at, record.last_used = "", now, now
        return record
    return await store.aupdate(take)
