"""A new session: claimed from the warm pool when one matches (core/pool_claim.py), else made."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from typing import TYPE_CHECKING, Awaitable, Callable

from ..config import NETWORK_POLICIES
from ..errors import ContainerGone, MscError, UsageError
from . import runner_ship
from .apptypes import check_app_type, detect_app_type
from .images import ensure_image
from .ownership import LABEL_HOME, LABEL_SESSION, PREFIX
from .pool_claim import RETIRING, claim, pool_key
from .recipe import INSTALL_USER, render
from .session_container import make_container
from .state import SessionRecord

if TYPE_CHECKING:
    from .sessions import Sessions

Prepare = Callable[[SessionRecord], Awaitable[None]]


def reserve(records: dict[str, SessionRecord], record: SessionRecord, chosen: str | None = None) -> None:
    """A new session's id, unused in this home (chosen under the state's lock), and its record;
    `chosen`: the caller's id, refused when this home has it already."""
    if chosen is not None and chosen in records:
        raise UsageError(f"session id {chosen!r} is taken (msc ls lists the sessions)")
    sid = chosen or secrets.token_hex(3)
    while sid in records:
        sid = secrets.token_hex(3)
    record.id, record.container_name = sid, PREFIX + sid
    records[sid] = record


def new_record(app_type: str, image: str, network: str, has_uv: bool, pool: str = "") -> SessionRecord:
    now = time.time()
    return SessionRecord(id="", container_name="", image=image, app_type=app_type, network=network,
                         installer="uv" if has_uv else "pip", install_user=INSTALL_USER, created_at=now,
                         last_used=now, pool=pool)


async def create(sessions: Sessions, app_type: str | None, code: str | None, task: str | None,
                 network: str | None, on_log: Callable[[str], None] | None, *,
                 sid: str | None = None, like: SessionRecord | None = None) -> SessionRecord:
    settings = sessions.settings
    app_type = check_app_type(app_type) if app_type else detect_app_type(code, task, settings.default_app_type)
    network = network or settings.network
    if network not in NETWORK_POLICIES:
        raise UsageError(f"unknown network policy {network!r} ({', '.join(NETWORK_POLICIES)})")
    recipe = render(app_type, settings)
    if like is not None:  # (a fork: the source's image, whatever today's recipe makes)
        tag, has_uv = like.image, like.installer == "uv"
    else:
        tag, has_uv = (await ensure_image(sessions.engine, recipe, on_log)).tag, recipe.has_uv
    sessions.made.set()  # demand: the refilling process (core/pool.py) looks at its pool
    key = pool_key(settings, app_type, tag, network)
    while (settings.pool_size and sid is None
           and (claimed := await claim(sessions.store, key, sessions.warm_pool)) is not None):
        try:
            await sessions.ensure_running(claimed)
            sessions.fresh.add(claimed.container_name)
            return claimed
        except ContainerGone:  # removed behind the pool's back: never handed out
            await sessions.store.aupdate(lambda records: records.pop(claimed.id, None))
    record = new_record(app_type, tag, network, has_uv)
    if like is not None:
        record.install_user = like.install_user
    # The record is written before its container exists: a concurrent msc that lists this
    # home's containers then always finds their records, so it never "adopts" a session
    # another process is still making (adoption is only for containers nobody records: a
    # lost state file). A "being made by pid P on host H" label would need pid-reuse checks,
    # one host and clocks that agree; this order needs none of them.
    await sessions.store.aupdate(lambda records: reserve(records, record, sid))
    await make(sessions, record)
    # Its runner goes in now, so its first run is one exec (not a bootstrap that finds no runner,
    # the placing, the bootstrap again); if this fails, the first run places it and says why.
    with contextlib.suppress(MscError):
        await runner_ship.place(sessions.engine, record.container_name)
    sessions.fresh.add(record.container_name)
    return record


async def _ours(sessions: Sessions, record: SessionRecord) -> bool:
    labels = (await sessions.engine.containers.inspect(record.container_name)).labels
    return labels.get(LABEL_SESSION) == record.id and labels.get(LABEL_HOME) == sessions.home


async def make(sessions: Sessions, record: SessionRecord, prepare: Prepare | None = None) -> None:
    """The reserved record's container, made (then `prepare`d), and its ID recorded; on failure
    neither container nor record is left (a pool session's container the engine would not remove:
    its record is left marked for retiring)."""
    made = False
    try:
        creating = asyncio.ensure_future(make_container(sessions.engine, sessions.settings, record, sessions.home,
                                                        sessions.cache_volume))
        try:
            await asyncio.shield(creating)
        except asyncio.CancelledError:  # the engine answers a create under way anyway: its answer first,
            await asyncio.wait([creating])  # so that the undo below finds the container if it was made
            raise
        made = True
        if prepare:
            await prepare(record)
    except BaseException:
        async def undo() -> None:
            left = made
            with contextlib.suppress(MscError):
                # (not made: cancelled, it may exist all the same; removed only if its labels say
                # it is this record's, since the name may be another's)
                if made or await _ours(sessions, record):
                    await sessions.engine.containers.remove(record.container_name)
                    left = False

            def forget(records: dict[str, SessionRecord]) -> None:
                if left and record.pool and record.id in records:  # the next look retires (removes) it:
                    records[record.id].pool = RETIRING  # a record-less container would be adopted as a session
                else:
                    records.pop(record.id, None)
            await sessions.store.aupdate(forget)
        await asyncio.shield(undo())
        raise

    def recorded(records):  # (kept even if a `clean --records` took the reservation meanwhile)
        records.setdefault(record.id, record).container_id = record.container_id
    await sessions.store.aupdate(recorded)
