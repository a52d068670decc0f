"""Connecting to the engine: endpoint resolution, bounded connect, typed failures."""

from __future__ import annotations

import asyncio
import os
import re

import aiodocker
import aiohttp

from ..errors import EngineUnreachable
from .containers import Containers
from .errors import engine_errors
from .events import Events
from .execs import Execs
from .files import Files
from .images import Images
from .storage import Storage

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
SCHEMES = ("unix", "tcp", "http", "https")


def resolve_endpoint(configured: str = "") -> str:
    """DOCKER_HOST, else the configured host, else the default socket.

    Like the docker CLI (and unlike aiodocker's own default), the environment wins
    over anything else; docker contexts are not consulted.
    """
    return os.environ.get("DOCKER_HOST") or configured or DEFAULT_SOCKET


def _cause(exc: BaseException) -> str:
    """The innermost reason: aiodocker nests it in brackets ('... [No such file or directory]]')."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    text = str(getattr(exc, "message", "") or exc) or type(exc).__name__
    inner = re.findall(r"\[([^\[\]]+)\]", text)
    return inner[-1] if inner else text


class Engine:
    """An open connection to one Docker Engine, with its sub-APIs as attributes."""

    def __init__(self, endpoint: str, connect_timeout: float = 3.0):
        self.endpoint = endpoint
        self.connect_timeout = connect_timeout
        self._docker: aiodocker.Docker | None = None

    @classmethod
    async def connect(cls, configured: str = "", connect_timeout: float = 3.0) -> "Engine":
        """Open a connection and prove it answers; EngineUnreachable within ~connect_timeout."""
        engine = cls(resolve_endpoint(configured), connect_timeout)
        await engine._open()
        return engine

    async def _open(self) -> None:
        scheme = self.endpoint.partition("://")[0] if "://" in self.endpoint else ""
        if scheme not in SCHEMES:
            raise EngineUnreachable(f"no Docker Engine at {self.endpoint}: msc reaches engines over "
                                    f"{', '.join(s + '://' for s in SCHEMES)} only (DOCKER_HOST or [engine] host)")
        timeout = aiohttp.ClientTimeout(
            total=None, connect=self.connect_timeout, sock_connect=self.connect_timeout, sock_read=300
        )
        try:
            self._docker = aiodocker.Docker(url=self.endpoint, timeout=timeout)
        except (ValueError, OSError) as exc:
            raise EngineUnreachable(f"no Docker Engine at {self.endpoint}: {exc}") from None
        try:
            async with asyncio.timeout(self.connect_timeout + 1):
                self.info = await self._docker.version()
        except BaseException as exc:
            await self.close()
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise EngineUnreachable(
                f"no Docker Engine at {self.endpoint}: {_cause(exc)} (start dockerd or set DOCKER_HOST)"
            ) from None
        self.containers = Containers(self._docker, self.endpoint)
        self.execs = Execs(self._docker, self.endpoint)
        self.files = Files(self._docker, self.endpoint)
        self.images = Images(self._docker, self.endpoint)
        self.events = Events(self._docker, self.endpoint)
        self.storage = Storage(self._docker, self.endpoint)

    async def cpu_count(self) -> int:
        """The engine host's CPUs (its /info; asked once)."""
        if not getattr(self, "_cpus", None):
            with engine_errors("info", self.endpoint):
                self._cpus = int((await self._docker.system.info()).get("NCPU") or 1)
        return self._cpus

    async def version(self) -> dict:
        with engine_errors("version", self.endpoint):
            return await self._docker.version()

    async def close(self) -> None:
        """Close defensively: after the daemon died aiodocker's close can raise."""
        if self._docker is None:
            return
        docker, self._docker = self._docker, None
        try:
            await docker.events.stop()
            await docker.close()
        except Exception:
            session = getattr(docker, "session", None)
            if session is not None and not session.closed:
                await session.close()

    async def __aenter__(self) -> "Engine":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()
