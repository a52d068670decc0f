"""What msc leaves behind (`msc df`) and removing it (`msc clean`, the TUI's cleanup screen):
this home's sessions, its warm pool's sessions (core/pool.py), the images msc built, this
home's package cache, and records or session files whose container is gone. Only this home's
objects are ever chosen (sessions.ownership); images are shared by every home, so one goes
only when no container at all uses it.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import MscError
from .apptypes import APP_TYPES
from .ownership import THIS_HOME, ownership
from .pool_claim import retire
from .pool_pause import pause
from .recipe import render
from .sessions import Sessions

SESSIONS, POOL, IMAGES, CACHE, RECORDS = "sessions", "pool", "images", "cache", "records"
KINDS = (SESSIONS, POOL, IMAGES, CACHE, RECORDS)
PARALLEL_REMOVALS = 8  # the engine serialises much of a removal; more only queues


@dataclass
class Item:
    """One thing msc can remove."""

    kind: str
    name: str  # container name, image tag, volume name, or session id
    size: int | None
    frees: int  # bytes its removal gives back (an image's layers shared with others stay)
    last_used: float
    detail: str = ""  # status, app type, or why a record is stale
    reclaimable: bool = False  # unused: a stopped session, an image or cache nothing uses, a stale record
    users: list[str] = field(default_factory=list)  # containers using an image or the cache
    ref: str = ""  # what the engine removes it by

    def as_dict(self) -> dict:
        data = asdict(self)
        del data["ref"]
        return data


@dataclass
class Inventory:
    items: list[Item]

    def of(self, kind: str) -> list[Item]:
        return [i for i in self.items if i.kind == kind]

    def summary(self) -> dict:
        """Per kind and in total: count, size, reclaimable bytes."""
        rows = {kind: {"count": len(items), "size": sum(i.size or 0 for i in items),
                       "reclaimable": sum(i.frees for i in items if i.reclaimable)}
                for kind, items in ((k, self.of(k)) for k in KINDS)}
        rows["total"] = {key: sum(row[key] for row in rows.values()) for key in ("count", "size", "reclaimable")}
        return rows


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class Cleanup:
    def __init__(self, sessions: Sessions):
        self.sessions = sessions
        self.engine = sessions.engine

    async def survey(self) -> Inventory:
        """Everything msc has here, from one engine call (its `system df`) and MSC_HOME."""
        usage = await self.engine.storage.usage()
        records = self.sessions.records()
        home = self.sessions.home
        by_name = {r.container_name: r for r in records.values()}
        ours = [c for c in usage.containers if ownership(c.labels, home) == THIS_HOME]
        pooled = {r.container_name for r in records.values() if r.pool}
        items = [Item(SESSIONS, c.name, c.size_rw, c.size_rw or 0,
                      by_name[c.name].last_used if c.name in by_name else c.created,
                      c.status, reclaimable=not c.running, ref=c.name) for c in ours if c.name not in pooled]
        items += [Item(POOL, c.name, c.size_rw, c.size_rw or 0, by_name[c.name].created_at, "pool",
                       reclaimable=True, ref=c.name) for c in ours if c.name in pooled]  # unused: made ahead
        newest_use = max((r.last_used for r in records.values()), default=0.0)

        for image in usage.images:
            if "msc.recipe" not in image.labels:
                continue
            users = [c.name for c in usage.containers if c.image_id == image.id]
            tag = (image.tags or [image.id[7:19]])[0].removesuffix(":latest")
            used = [r.last_used for r in records.values() if r.image == tag]
            items.append(Item(IMAGES, tag, image.size, image.unique_size, max([image.created, *used]),
                              image.labels.get("msc.app_type", ""), reclaimable=not users, users=users,
                              ref=image.id))

        for volume in usage.volumes:
            if volume.name == self.sessions.cache_volume:
                users = [c.name for c in usage.containers if volume.name in c.volumes]
                items.append(Item(CACHE, volume.name, volume.size, volume.size or 0,
                                  max(volume.created, newest_use), "package cache",
                                  reclaimable=not users, users=users, ref=volume.name))

        present = {c.name for c in usage.containers}
        folders = self.sessions.files.root
        for sid, record in records.items():
            if record.pool:  # the pool's own (core/pool_claim.py retires them)
                continue
            folder = folders / sid
            stale = record.container_name not in present
            files = _folder_bytes(folder) if folder.is_dir() else 0
            items.append(Item(RECORDS, sid, files, files, record.last_used,
                              "container gone" if stale else "record", reclaimable=stale, ref=sid))
        if folders.is_dir():
            for folder in sorted(folders.iterdir()):
                if folder.is_dir() and folder.name not in records:
                    files = _folder_bytes(folder)
                    items.append(Item(RECORDS, folder.name, files, files, folder.stat().st_mtime,
                                      "files of a removed session", reclaimable=True, ref=folder.name))
        return Inventory(items)

    def choose(self, inventory: Inventory, kinds: set[str], older_than: float | None = None,
               stopped_only: bool = False, all_images: bool = False, now: float | None = None) -> list[Item]:
        """What `msc clean` removes: per kind, old enough (by last use); images and the cache
        only when nothing but sessions removed in the same clean uses them; the newest
        image of each app type is kept unless all_images."""
        now = now or time.time()

        def old(item: Item) -> bool:
            return older_than is None or now - item.last_used >= older_than

        chosen = []
        if SESSIONS in kinds:
            chosen += [i for i in inventory.of(SESSIONS) if old(i) and not (stopped_only and i.detail == "running")]
        if POOL in kinds and not stopped_only:  # (running, and nobody's work: --stopped leaves them)
            chosen += [i for i in inventory.of(POOL) if old(i)]
        going = {i.name for i in chosen}
        if IMAGES in kinds:
            images = inventory.of(IMAGES)
            kept = set() if all_images else self._kept_images(images)
            chosen += [i for i in images if old(i) and set(i.users) <= going and i.name not in kept]
        if CACHE in kinds:
            chosen += [i for i in inventory.of(CACHE) if old(i) and set(i.users) <= going]
        if RECORDS in kinds:
            chosen += [i for i in inventory.of(RECORDS) if i.reclaimable and old(i)]
        return chosen

    def _kept_images(self, images: list[Item]) -> set[str]:
        """Per app type: the newest image, and the one the current settings build (the next
        session's; removing it would cost a rebuild)."""
        newest: dict[str, Item] = {}
        for image in images:
            if image.detail not in newest or image.last_used > newest[image.detail].last_used:
                newest[image.detail] = image
        return {i.name for i in newest.values()} | {render(t, self.sessions.settings).tag for t in APP_TYPES}

    async def remove(self, items: list[Item], on_progress: Callable[[Item, str | None], None] | None = None
                     ) -> tuple[list[Item], list[str]]:
        """Sessions first (in parallel, bounded), then what they used; returns (removed, errors)."""
        removed, errors = [], []
        limit = asyncio.Semaphore(PARALLEL_REMOVALS)

        async def one(item: Item) -> None:
            error = None
            async with limit:
                try:
                    await self._remove(item)
                    removed.append(item)
                except MscError as exc:
                    error = str(exc)
                    errors.append(error)
            if on_progress:
                on_progress(item, error)

        for kind in KINDS:
            await asyncio.gather(*(one(i) for i in items if i.kind == kind))
        if any(i.kind == POOL for i in removed):  # else a long-lived msc makes one again at once
            pause(self.sessions.settings.state_dir)
        gone_containers = {i.name for i in removed if i.kind == SESSIONS}
        gone_records = {i.name for i in removed if i.kind == RECORDS}

        def forget(records):
            for sid in [sid for sid, r in records.items()
                        if r.container_name in gone_containers or sid in gone_records]:
                del records[sid]
        if gone_containers or gone_records:
            await self.sessions.store.aupdate(forget)
        return removed, errors

    async def _remove(self, item: Item) -> None:
        if item.kind == SESSIONS:
            await self.engine.containers.remove(item.ref)
        elif item.kind == POOL:  # only while it is still in the pool (a claim may have taken it)
            sessions = self.sessions
            if not await retire(sessions.store, self.engine, sessions.home,
                                lambda records: [sid for sid, r in records.items()
                                                 if r.container_name == item.ref and r.pool]):
                raise MscError(f"{item.name} left the pool meanwhile (it is a new session now); kept it")
        elif item.kind == IMAGES:
            await self.engine.storage.remove_image(item.ref)
        elif item.kind == CACHE:
            await self.engine.storage.remove_volume(item.ref)
        else:  # the session's files, and this machine's note of the project it was sent (for a restore)
            shutil.rmtree(self.sessions.files.folder(item.ref), ignore_errors=True)
            for note in (self.sessions.settings.state_dir / "projects").glob(f"{item.ref}-*.json"):
                note.unlink(missing_ok=True)
