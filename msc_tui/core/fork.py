"""Forking a session: a new session of this home with the source's /app and installed packages,
its app type, image and network policy, never its run history. The source is only read (the
engine's archive of /app, one exec listing its packages): it keeps running, its runs and
followers undisturbed.

How the packages travel was measured (docs/performance.md, pandas: a 165 MB venv): the engine's
archive of /opt/venv streamed from one container into the other took 6 s, a tar piped between two
execs 2 s, `docker commit` 1.3 s; installing the same pins again, offline, from this home's package
cache took 0.5 s. So the fork installs the source's exact pins (`--no-deps`: nothing resolved
anew) from the cache, and streams the venv only when the cache cannot serve them (a session of
another home installed from its own cache, a cache cleaned since, a pip session). /app is small:
it travels as the engine's archive, straight from one container into the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from posixpath import dirname

from ..engine import Engine
from ..errors import EngineError, MscError, NotFound, UsageError
from . import requested
from .files import APP_DIR
from .manifest import MANIFEST_DIR
from .ownership import PREFIX
from .packages import listed
from .recipe import VENV, index_environment
from .sessions import SESSION_ID, Sessions
from .state import SessionRecord

# A file the source rewrites while the engine reads /app breaks that archive (its size changed
# under the engine): the unpacking fails, and the copy is taken again, whole, at most this often.
APP_TRIES = 10


def check_name(name: str) -> str:
    """A fork's chosen id: the ids msc makes are letters and digits, lower case."""
    if not SESSION_ID.fullmatch(name):
        shown = name if len(name) <= 40 else name[:40] + "…"
        raise UsageError(f"bad session name {shown!r}: 1 to 32 lower-case letters and digits")
    return name


class Forking:
    def __init__(self, engine: Engine, sessions: Sessions):
        self.engine = engine
        self.sessions = sessions

    async def fork(self, ref: str, name: str | None = None) -> SessionRecord:
        """The new session's record (`name`: its id, else one made as for any session)."""
        if name is not None:
            check_name(name)
        source = (await self.sessions.find(ref)).session
        if name is not None and await self.engine.containers.exists(PREFIX + name):
            raise UsageError(f"session id {name!r} is taken ({PREFIX + name} exists on this engine)")
        making = asyncio.create_task(
            self.sessions.create(source.app_type, network=source.network, sid=name, like=source))
        try:
            pins, asked = await asyncio.gather(listed(self.engine, source.container_name),
                                               requested.read(self.engine, source.container_name))
            made = await making
            await asyncio.gather(self._copy_app(source.container_name, made.container_name),
                                 self._packages(source, made, pins),
                                 requested.remember(self.engine, made.container_name, asked, add=True))
        except BaseException:  # a failure or Ctrl-C: no half-made fork is left behind
            await self._discard(making)
            raise
        made.forked_from, made.installed_packages, made.requested_packages = source.id, pins, asked

        def record(records):  # (kept even if a `clean --records` took it meanwhile)
            current = records.setdefault(made.id, made)
            current.forked_from, current.installed_packages, current.requested_packages = source.id, pins, asked
        await self.sessions.store.aupdate(record)
        return made

    async def _discard(self, making: asyncio.Task[SessionRecord]) -> None:
        """The fork being made, removed once it is made (a failure to make it is said already)."""
        try:
            made = await asyncio.shield(making)
        except BaseException:
            return
        with contextlib.suppress(MscError):
            await asyncio.shield(self.sessions.remove(made.id))

    async def _copy_app(self, source: str, fork: str) -> None:
        """/app, and msc's record of the project it holds (root's, beside it: the fork's next
        project run sends only what differs)."""
        for attempt in range(APP_TRIES):
            try:
                await self.engine.files.copy(source, APP_DIR, fork, dirname(APP_DIR))
                break
            except EngineError:
                if attempt == APP_TRIES - 1:
                    raise EngineError(f"{source}:{APP_DIR} kept changing while it was copied ({APP_TRIES} "
                                      "tries); nothing was forked, try again") from None
        with contextlib.suppress(NotFound):  # a session that never ran a project has none
            await self.engine.files.copy(source, MANIFEST_DIR, fork, dirname(MANIFEST_DIR))

    async def _packages(self, source: SessionRecord, fork: SessionRecord, pins: list[str]) -> None:
        """The source's packages in the fork: the exact pins from this home's cache, else its venv."""
        if not pins:
            return
        if fork.installer == "uv":
            # Compiled afterwards, in the background (the program's user cannot write __pycache__,
            # so without it each cold import compiles again: pandas 1.2 s instead of 0.4 s; at
            # install it would add 4-5 s to the fork).
            install = shlex.join(["uv", "pip", "install", "--offline", "--no-deps", "--quiet",
                                  "--python", f"{VENV}/bin/python", *pins])
            compile_all = shlex.join(["nice", f"{VENV}/bin/python", "-m", "compileall", "-q", "-j", "1", f"{VENV}/lib"])
            code, _, _ = await self.engine.execs.output(
                fork.container_name, ["sh", "-c", f"{install} && {{ {compile_all} </dev/null >/dev/null 2>&1 & }}"],
                user=fork.install_user, timeout=None,
                env=index_environment(self.sessions.settings))  # the cache is keyed by the index installs use
            if code == 0:
                return
        await self.engine.files.copy(source.container_name, VENV, fork.container_name, dirname(VENV))
