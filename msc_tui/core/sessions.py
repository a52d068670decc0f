"""Dev sessions: persistent `msc-dev-session-<id>` containers and their records."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from typing import Callable

from ..config import Settings
from ..engine import Engine
from ..engine.containers import ContainerInfo
from ..errors import ContainerGone, NotFound, UsageError
from . import requested, session_making
from .files import SessionFiles
from .images import ensure_image
from .ownership import (
    LABEL_HOME,
    LABEL_POOL,
    LABEL_SESSION,
    NOT_MSC,
    OTHER_HOME,
    PREFIX,
    THIS_HOME,
    Target,
    check_container,
    ownership,
)
from .pool_claim import RETIRING
from .recipe import INSTALL_USER, render
from .references import checked_reference
from .session_container import LABEL_RUNNER, make_container
from .state import SessionRecord, StateStore
from .views import SessionView
from .warm_servers import warm_memory

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")


def parse_duration(text: str) -> float:
    """'90s', '30m', '12h', '7d', '2w' -> seconds."""
    match = _DURATION.match(text.strip().lower())
    if not match:
        raise UsageError(f"bad duration {text!r} (use e.g. 90s, 30m, 12h, 7d)")
    return float(match[1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match[2]]


def container_gone(record: SessionRecord) -> ContainerGone:
    return ContainerGone(f"session {record.id}: its container {record.container_name} was removed; "
                         f"`msc restore {record.id}` recreates it")


def record_from_labels(c: ContainerInfo, session_files: list[str] | None = None) -> SessionRecord:
    """A session's record rebuilt from what its container's labels say."""
    return SessionRecord(
        id=c.labels[LABEL_SESSION], container_name=c.name, image=c.labels.get("msc.image", c.image),
        app_type=c.labels.get("msc.app_type", "basic_app"), container_id=c.id,
        network=c.labels.get("msc.network", "normal"), created_at=c.created, last_used=c.created,
        install_user=c.labels.get("msc.install_user", "appuser"),
        session_files=session_files or [])


RUNS_GOING = "/var/lib/msc/runs/going"
SESSION_ID = re.compile(r"[0-9a-z]{1,32}")  # the ids msc makes (six hex digits) and accepts as names


async def _measure_warm(engine: Engine, view: SessionView) -> None:
    view.warm_rss = await warm_memory(engine, view.name)


class Sessions:
    def __init__(self, settings: Settings, engine: Engine, store: StateStore):
        self.settings = settings
        self.engine = engine
        self.store = store
        self.home = str(settings.state_dir)
        self.home_label = f"{LABEL_HOME}={self.home}"
        # One package cache per MSC_HOME: homes (people) never share what the installer caches.
        self.cache_volume = "msc-package-cache-" + hashlib.sha256(self.home.encode()).hexdigest()[:12]
        self.files = SessionFiles(settings.state_dir / "sessions", engine)
        self.verified: dict[str, str] = {}  # container name -> ID, its labels checked in this process
        self.recorded: set[str] = set()  # of those, the ones whose runner starts as root (LABEL_RUNNER)
        self.made = asyncio.Event()  # set at each new session (the pool refills, core/pool.py)
        self.warm_pool: set[str] = set()  # pool sessions this process keeps warm servers in (claimed first)
        self.fresh: set[str] = set()  # sessions this process made or claimed, with no run yet

    # -- finding ---------------------------------------------------------------------------
    def records(self) -> dict[str, SessionRecord]:
        return self.store.read()

    def resolve(self, ref: str) -> SessionRecord:
        """This home's record of a session by id or container name."""
        sid = checked_reference(ref).removeprefix(PREFIX)
        record = self.records().get(sid)
        if record is None:
            raise NotFound(f"unknown session {ref!r} (msc ls lists the sessions)")
        return record

    async def find(self, ref: str, start: bool = True, containers: bool = False) -> Target:
        """The session a reference (id or container name, either spelling) means, of any home
        (ownership.py has the rule). `start`: a stopped container is started, a removed one is
        an error; `containers`: a container msc did not make may be named too (for rm)."""
        ref = checked_reference(ref)
        try:
            record = self.resolve(ref)
        except NotFound:
            record = None
        if record is not None:
            try:
                info = await self.engine.containers.inspect(record.container_name)
            except NotFound:
                if start:
                    raise container_gone(record) from None
                return Target(ref, record, None, THIS_HOME)
            check_container(record, info, self.home, ours=True)
            target = Target(ref, record, info, THIS_HOME)
        else:
            target = await self._on_engine(ref, containers)
        if target.record and target.container:
            self._verified(target.container)
        if start and target.container and not target.container.running:
            await self.engine.containers.start(target.name)
        return target

    async def _on_engine(self, ref: str, containers: bool) -> Target:
        """A session with no record here (a pair's) by id or name, or (with `containers`) any container."""
        for name in dict.fromkeys([PREFIX + ref.removeprefix(PREFIX), ref]):
            try:
                info = await self.engine.containers.inspect(name)
            except NotFound:
                continue
            if info.name != name:  # the engine also matches ID prefixes: never take a stranger that way
                continue
            if LABEL_SESSION in info.labels:
                owner = ownership(info.labels, self.home)
                if owner == OTHER_HOME and await self._waiting_in_their_pool(info):
                    raise UsageError(f"{name} has had no run yet: it may still be waiting in its owner's warm "
                                     "pool, no one's session; once its owner has run in it, it can be shared")
                return Target(ref, record_from_labels(info), info, owner)
            if containers:
                return Target(ref, None, info, NOT_MSC)
            raise NotFound(f"{name} is not an msc session (a container msc did not make)")
        what = "session or container" if containers else "session"
        raise NotFound(f"unknown {what} {ref!r} (msc ls --all lists the sessions on this engine)")

    async def _waiting_in_their_pool(self, info: ContainerInfo) -> bool:
        """Another home's session its pool made, with no run yet: it may still be no one's. A first
        run makes the runner's `going` folder (runner/history.py), which stays."""
        return bool(info.labels.get(LABEL_POOL)) and not await self.engine.files.exists(info.name, RUNS_GOING)

    async def views(self, include_all: bool = False, size: bool = False) -> list[SessionView]:
        containers = await self.engine.containers.list(label=None if include_all else self.home_label, size=size)
        by_name = {c.name: c for c in containers}
        views = [SessionView(r, by_name.pop(r.container_name, None)) for r in self.records().values()]
        if not include_all:  # the warm pool's sessions are no one's yet (msc ls --all lists them)
            views = [v for v in views if not v.in_pool]
        views += [SessionView(None, c, ownership(c.labels, self.home)) for c in by_name.values()]
        if include_all:  # another home's pool session with no run yet: no one's (one HEAD each)
            theirs = [v for v in views if v.owner == OTHER_HOME and v.container and v.container.running]
            waiting = await asyncio.gather(*(self._waiting_in_their_pool(v.container) for v in theirs))  # type: ignore[arg-type]
            for view, waits in zip(theirs, waiting, strict=True):
                view.theirs_waiting = waits
        if size:
            await asyncio.gather(*(_measure_warm(self.engine, v) for v in views if v.record and v.container
                                   and v.container.running))
        return sorted(views, key=lambda v: -v.last_used)

    async def view(self, name: str, size: bool = False) -> SessionView | None:
        """One row, fresh from the engine (None when neither container nor record exists)."""
        record = next((r for r in self.records().values() if r.container_name == name), None)
        try:
            container = await self.engine.containers.inspect(name, size=size)
        except NotFound:
            container = None
        if record is None and container is None:
            return None
        owner = ownership(container.labels, self.home) if container and not record else THIS_HOME
        return SessionView(record, container, owner)

    def watch(self, include_all: bool = False):
        """Container events (msc's own, or all), with `lost`/`back` when the engine goes and returns."""
        return self.engine.events.watch(label=None if include_all else self.home_label)

    async def existing(self) -> list[SessionView]:
        """Sessions whose container still exists (for the prompt 'Found N existing development containers')."""
        return [v for v in await self.views() if v.record and v.container]

    # -- creating ----------------------------------------------------------------------------
    async def create(self, app_type: str | None = None, code: str | None = None, task: str | None = None,
                     network: str | None = None, on_log: Callable[[str], None] | None = None, *,
                     sid: str | None = None, like: SessionRecord | None = None) -> SessionRecord:
        """A new session: claimed from the warm pool when one matches, else made (core/session_making.py).
        `sid`: its id (SESSION_ID), refused when taken (never a pool session: the id is in its labels);
        `like`: a session whose image, installer and install user it gets (a fork: its venv's Python)."""
        return await session_making.create(self, app_type, code, task, network, on_log, sid=sid, like=like)

    # -- keeping alive ------------------------------------------------------------------------
    async def ensure_running(self, record: SessionRecord) -> None:
        """The record's container, checked against its labels (never a bare name or ID prefix
        that happens to match someone else's container), started if it is stopped."""
        try:
            info = await self.engine.containers.inspect(record.container_name)
        except NotFound:
            raise container_gone(record) from None
        check_container(record, info, self.home, ours=record.id in self.records())
        self._verified(info)
        if not info.running:
            await self.engine.containers.start(record.container_name)

    def _verified(self, info: ContainerInfo) -> None:
        self.verified[info.name] = info.id
        self.note_runner(info)

    def note_runner(self, info: ContainerInfo) -> None:
        """How the session's runner starts, from its labels (Runs asks before each exec of it)."""
        if info.labels.get(LABEL_RUNNER) == "recorder":
            self.recorded.add(info.name)
        else:  # made by an older msc: root there has no capabilities, never start anything as root
            self.recorded.discard(info.name)

    async def ensure_verified(self, record: SessionRecord) -> None:
        """ensure_running once per container and process: what a run needs before its first exec."""
        if record.container_name not in self.verified:
            await self.ensure_running(record)

    def touch(self, record: SessionRecord, *filenames: str, on_locked: Callable[[], None] | None = None) -> None:
        """Record a use of the session (and the files it now has); `on_locked`: StateStore.update's."""
        def change(records):
            current = records.get(record.id)
            if current is None:
                return
            current.last_used = record.last_used = time.time()
            if current.pool != RETIRING:  # a pool session used by its name is the pool's no more
                current.pool = record.pool = ""
            current.session_files += [f for f in filenames if f not in current.session_files]
            record.session_files = current.session_files
        self.store.update(change, on_locked)

    async def save(self, record: SessionRecord, files: dict[str, str]) -> None:
        """Save session files (into /app and under MSC_HOME) and record them."""
        await self.files.write(record, files)
        await asyncio.to_thread(self.touch, record, *files)

    async def read_file(self, container: str, filename: str) -> str:
        """A session file as the container has it now (a pair may have changed it)."""
        data = await self.engine.files.get(container, f"/app/{filename}")
        return data.decode("utf-8", "replace")

    def shell_argv(self, record: SessionRecord, docker: str, interactive: bool = True) -> list[str]:
        """The docker CLI command that hands the terminal to a shell in the session."""
        return [docker, "exec", "-it" if interactive else "-i", "-u", "appuser", "-w", "/app",
                record.container_name, "bash"]

    # -- removing -----------------------------------------------------------------------------
    async def remove(self, ref: str, keep_record: bool = False, force: bool = False) -> str:
        """Remove a session (by id or name) and return its container's name. A container that is
        not this home's (another home's session, or not msc's at all) goes only with `force`; a
        record naming a container that is not its session's removes nothing."""
        target = await self.find(ref, start=False, containers=True)
        if target.container is not None:
            if not force:
                target.refuse_removal()
            try:
                await self.engine.containers.remove(target.name)
            except NotFound:  # removed meanwhile
                pass
        if target.ours and target.record and not keep_record:
            sid = target.record.id
            await self.store.aupdate(lambda rs: rs.pop(sid, None))
        return target.name

    # -- recovering -----------------------------------------------------------------------------
    async def adopt_from_labels(self, containers: list[ContainerInfo]) -> list[SessionRecord]:
        """Records for this home's containers (as listed) that have none (a state file that
        was corrupt, truncated or deleted; msc killed between creating a container and
        recording it), rebuilt from their labels. Nothing is written when nothing is missing."""
        known = self.records()
        if all(c.labels.get(LABEL_SESSION) in known for c in containers if LABEL_SESSION in c.labels):
            return []

        asked = await requested.read_each(self.engine, [c.name for c in containers
                                                        if c.labels.get(LABEL_SESSION) not in known])

        def change(records):
            added = []
            for c in containers:
                sid = c.labels.get(LABEL_SESSION)
                if sid and sid not in records and SESSION_ID.fullmatch(sid):
                    records[sid] = record_from_labels(c, self.files.kept(sid))
                    records[sid].requested_packages = asked.get(c.name, [])
                    added.append(records[sid])
            return added
        return await self.store.aupdate(change)

    async def restore(self, ref: str, on_log: Callable[[str], None] | None = None) -> SessionRecord:
        """Recreate a removed session's container from its record: image, files (packages: caller)."""
        record = self.resolve(ref)
        try:
            await self.engine.containers.inspect(record.container_name)
            raise UsageError(f"session {record.id} still has its container; nothing to restore")
        except NotFound:
            pass
        if not await self.engine.images.exists(record.image):
            image = await ensure_image(self.engine, render(record.app_type, self.settings), on_log)
            record.image, record.install_user = image.tag, INSTALL_USER
        await make_container(self.engine, self.settings, record, self.home, self.cache_volume)
        await self.files.copy_back(record)

        def patch(records):  # only what the restore changed: others may have updated the rest
            current = records.setdefault(record.id, record)
            current.container_id, current.image, current.install_user = (record.container_id, record.image,
                                                                          record.install_user)
            return current
        return await self.store.aupdate(patch)
