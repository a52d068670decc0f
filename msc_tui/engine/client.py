"""Connecting to the engine: endpoint resolution, bounded connect, typed failures."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import warnings
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aiodocker
import aiohttp
from aiodocker.exceptions import DockerContextInvalidError

from ..errors import EngineUnreachable
from .containers import Containers
from .errors import engine_errors
from .events import Events
from .execs import Execs
from .files import Files
from .images import Images
from .ping import ping
from .storage import Storage

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
SCHEMES = ("unix", "tcp", "http", "https", "ssh")
# aiodocker and asyncssh log their failures too; msc says each in its own one line.
for _library in ("aiodocker", "asyncssh"):
    logging.getLogger(_library).addHandler(logging.NullHandler())
# Over ssh:// each stream is a channel of one SSH connection, and sshd allows 10 per connection
# by default (MaxSessions): msc keeps below that; further requests wait for a free one. aiohttp's
# pool frees a connection before its channel has closed, so the channels are counted too.
SSH_STREAMS, SSH_CHANNELS = 8, 9
SSH_HANDSHAKE_S = 15.0  # an SSH handshake to a far machine takes longer than a local connect


@dataclass(frozen=True)
class Endpoint:
    """Where the engine is, how that was chosen, and the Docker context it came from (if any)."""

    host: str
    how: str  # "--context", "DOCKER_HOST", "DOCKER_CONTEXT", "[engine] host", "currentContext", "default"
    context: str | None = None


def _import_ssh_quietly() -> None:
    """aiodocker's SSH connector imports asyncssh, which makes today's cryptography print a
    deprecation warning per DSA name (ten lines): the user would see them on every ssh:// command."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import aiodocker.ssh  # noqa: F401


def _context_host(name: str) -> str:
    """A Docker context's engine endpoint, read from the context store by aiodocker."""
    try:
        found = aiodocker.Docker._get_docker_context_endpoint(name)
    except DockerContextInvalidError as exc:
        reason = str(exc.args[0] if exc.args else exc)
        if "not found" in reason:
            raise EngineUnreachable(f"unknown Docker context {name!r} (docker context ls lists them)") from None
        raise EngineUnreachable(f"Docker context {name!r}: {reason}") from None
    if found is None:  # "default": the local socket
        return DEFAULT_SOCKET
    return found.host


def _current_context() -> str | None:
    try:
        config = json.loads((Path.home() / ".docker" / "config.json").read_text())
    except (OSError, ValueError):
        return None
    name = config.get("currentContext") if isinstance(config, dict) else None
    return name if name and name != "default" else None


def resolve_endpoint(configured: str = "", context: str = "") -> Endpoint:
    """The docker CLI's order: --context, DOCKER_HOST, DOCKER_CONTEXT; then msc's [engine] host;
    then the docker CLI's current context (~/.docker/config.json); then the default socket."""
    if context:
        return Endpoint(_context_host(context), "--context", context)
    if os.environ.get("DOCKER_HOST"):
        return Endpoint(os.environ["DOCKER_HOST"], "DOCKER_HOST")
    if os.environ.get("DOCKER_CONTEXT") and os.environ["DOCKER_CONTEXT"] != "default":
        name = os.environ["DOCKER_CONTEXT"]
        return Endpoint(_context_host(name), "DOCKER_CONTEXT", name)
    if configured:
        return Endpoint(configured, "[engine] host")
    if current := _current_context():
        return Endpoint(_context_host(current), "currentContext", current)
    return Endpoint(DEFAULT_SOCKET, "default")


def _ssh_command(endpoint: str) -> str:
    """What to type to reach an ssh:// endpoint by hand: ssh takes the port as -p, not host:port."""
    parts = urlsplit(endpoint)
    user = f"{parts.username}@" if parts.username else ""
    port = f"-p {parts.port} " if parts.port else ""
    return f"ssh {port}{user}{parts.hostname}"


def _cause(exc: BaseException) -> str:
    """The innermost reason: aiodocker nests it in brackets ('... [No such file or directory]]')."""
    if isinstance(exc, TimeoutError):
        return "timed out"
    text = str(getattr(exc, "message", "") or exc) or type(exc).__name__
    errno = re.search(r"\[Errno (\d+)\]", text)
    if errno:  # asyncssh says only '[Errno 111]'
        return os.strerror(int(errno.group(1))).lower()
    inner = re.findall(r"\[([^\[\]]+)\]", text)
    return inner[-1] if inner else text


def _bound_channels(connector) -> None:
    """At most SSH_CHANNELS open at once, a closing one counted until it has closed: a new
    stream waits for one instead of failing ("open failed", which also ended the connection's
    other streams). aiodocker relays each local connection over a channel of its own; its
    handler is looked up when the tunnel starts, so it is wrapped here, before any request."""
    relay = connector._handle_docker_connection
    channels = asyncio.Semaphore(SSH_CHANNELS)

    async def one_channel(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with channels:
            await relay(reader, writer)

    connector._handle_docker_connection = one_channel


PING_EVERY_S = 5.0  # how often answering() asks whether the engine is still there


class Engine:
    """An open connection to one Docker Engine, with its sub-APIs as attributes."""

    def __init__(self, endpoint: Endpoint, connect_timeout: float = 3.0, call_timeout: float = 30.0):
        self.chosen = endpoint
        self.endpoint = endpoint.host
        self.connect_timeout = connect_timeout
        self.call_timeout = call_timeout
        self.frozen = False  # answering() gave up on it: it takes connections but answers nothing
        self.patience_ends = 0.0  # (loop time) when frozen: how long it may still come back in time
        self._docker: aiodocker.Docker | None = None
        self.is_podman = False  # Podman's Docker-compatible service (its /_ping says Libpod)

    @classmethod
    async def connect(cls, configured: str = "", connect_timeout: float = 3.0, context: str = "",
                      call_timeout: float = 30.0) -> "Engine":
        """Open a connection and prove it answers; EngineUnreachable within ~connect_timeout."""
        engine = cls(resolve_endpoint(configured, context), connect_timeout, call_timeout)
        await engine._open()
        return engine

    async def _open(self) -> None:
        scheme = self.endpoint.partition("://")[0] if "://" in self.endpoint else ""
        if scheme not in SCHEMES:
            raise EngineUnreachable(f"no Docker Engine at {self.endpoint}: msc reaches engines over "
                                    f"{', '.join(s + '://' for s in SCHEMES)} only (DOCKER_HOST or [engine] host)")
        # Every call waits at most call_timeout for the engine's answer; aiodocker lifts the read
        # deadline for streams (exec output, events, builds), which answering() watches instead.
        # Reaching the engine has connect_timeout; waiting for a pooled connection to free up
        # (ssh:// keeps a few per connection) has none: it is a turn, not a fault.
        timeout = aiohttp.ClientTimeout(total=None, connect=None,
                                        sock_connect=self.connect_timeout, sock_read=self.call_timeout or None)
        keys = None
        if self.endpoint.startswith("ssh://"):
            _import_ssh_quietly()
        try:
            if self.endpoint.startswith("ssh://"):
                from .ssh_keys import HostKeyPolicy  # (asyncssh: only for ssh://)
                from .ssh_relays import quiet_lost_relays

                quiet_lost_relays(asyncio.get_running_loop())
                keys = HostKeyPolicy.for_endpoint(self.endpoint, _ssh_command(self.endpoint))
                keys.prepare()
            # A context goes to aiodocker by name, so its TLS material is used as well.
            if self.chosen.context:
                self._docker = aiodocker.Docker(context=self.chosen.context, timeout=timeout)
            else:
                self._docker = aiodocker.Docker(url=self.endpoint, timeout=timeout)
        except (ValueError, OSError, DockerContextInvalidError, aiodocker.DockerError) as exc:
            message = getattr(exc, "message", None) or str(exc)
            if "Host key verification is required" in message:  # aiodocker's words, for its API's users
                message = ("no ~/.ssh/known_hosts to check the host's key against "
                           f"(`{_ssh_command(self.endpoint)}` once adds it)")
            raise EngineUnreachable(f"no Docker Engine at {self.endpoint}: {message}") from None
        over_ssh = keys is not None
        if keys is not None:
            self._docker.connector._limit = SSH_STREAMS  # aiohttp's pool limit (no setter)
            options = self._docker.connector._ssh_options  # type: ignore[attr-defined]  # what aiodocker's connector gives asyncssh
            options["known_hosts"] = keys.asyncssh_known_hosts() or options.get("known_hosts")
            options["client_factory"] = keys.client_factory
            _bound_channels(self._docker.connector)
        hint = (f"check that `{_ssh_command(self.endpoint)} docker version` works" if over_ssh
                else "start dockerd or set DOCKER_HOST")
        try:
            async with asyncio.timeout(self.connect_timeout + (SSH_HANDSHAKE_S if over_ssh else 1)):
                answer = await ping(self._docker)
            if "Api-Version" in answer:  # (else aiodocker asks /version before its first call)
                self._docker.api_version = f"v{answer['Api-Version']}"
            self.is_podman = "Libpod-Api-Version" in answer
        except BaseException as exc:
            await self.close()
            if isinstance(exc, asyncio.CancelledError):
                raise
            if keys is not None and keys.refused:
                raise EngineUnreachable(f"no Docker Engine at {self.endpoint}: {keys.refused}") from None
            raise EngineUnreachable(f"no Docker Engine at {self.endpoint}: {_cause(exc)} ({hint})") from None
        self.containers = Containers(self._docker, self.endpoint)
        self.execs = Execs(self._docker, self.endpoint)
        self.files = Files(self._docker, self.endpoint)
        self.images = Images(self._docker, self.endpoint)
        self.events = Events(self._docker, self.endpoint)
        self.storage = Storage(self._docker, self.endpoint, podman=self.is_podman)

    @property
    def _client(self) -> aiodocker.Docker:
        """aiodocker's client, open from connect() to close()."""
        if self._docker is None:
            raise RuntimeError(f"the connection to {self.endpoint} is closed")
        return self._docker

    async def version(self) -> dict:
        """The engine's /version (Version, ApiVersion, its components)."""
        with engine_errors("version", self.endpoint):
            return await self._client.version()

    def cli_environment(self, base: dict[str, str]) -> dict[str, str]:
        """The environment for the docker CLI to reach this same engine (`msc shell`, F8)."""
        env = {k: v for k, v in base.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
        if self.chosen.context:
            return {**env, "DOCKER_CONTEXT": self.chosen.context}
        return {**env, "DOCKER_HOST": self.endpoint}

    @property
    def description(self) -> str:
        """'unix:///var/run/docker.sock', or 'context build-box (ssh://...)'."""
        return f"context {self.chosen.context} ({self.endpoint})" if self.chosen.context else self.endpoint

    async def cpu_count(self) -> int:
        """The engine host's CPUs (its /info; asked once)."""
        if not getattr(self, "_cpus", None):
            with engine_errors("info", self.endpoint):
                self._cpus = int((await self._client.system.info()).get("NCPU") or 1)
        return self._cpus

    @asynccontextmanager
    async def answering(self):
        """Around a long stream (a run, an install, a build): while it goes, the engine is pinged
        every few seconds; one ping unanswered for call_timeout ends the block with
        EngineUnreachable (a frozen engine stalls streams without closing them)."""
        if not self.call_timeout:
            yield
            return
        task = asyncio.current_task()
        assert task is not None  # an async with runs in a task
        gave_up = False
        self.frozen = False
        loop = asyncio.get_running_loop()
        answered = loop.time()

        async def watch() -> None:
            # Silent call_timeout since its last answer, the engine is given up on; it may still
            # answer again within PING_EVERY_S more (patience_ends): the README's call_timeout + 5 s.
            nonlocal gave_up, answered
            while True:
                await asyncio.sleep(PING_EVERY_S)
                try:
                    async with asyncio.timeout_at(max(answered + self.call_timeout, loop.time() + 1.0)):
                        await ping(self._client)
                    answered = loop.time()
                except TimeoutError:
                    gave_up = self.frozen = True  # (what the block's clean-up then need not ask it)
                    self.patience_ends = answered + self.call_timeout + PING_EVERY_S
                    task.cancel()
                    return
                except Exception:  # the engine went away: the stream's own error says so
                    return

        watcher = asyncio.create_task(watch())
        try:
            yield
        except BaseException:
            if not gave_up:
                raise
            if task.cancelling():  # ours, whether or not the code under it turned it into another error
                task.uncancel()
            raise EngineUnreachable(f"the Docker Engine at {self.endpoint} stopped answering (no answer in "
                                    f"{self.call_timeout:.0f} s; [engine] call_timeout)") from None
        finally:
            watcher.cancel()

    async def answers_again(self) -> bool:
        """Whether a frozen engine answers again before patience_ends (asked every 0.2 s)."""
        loop = asyncio.get_running_loop()
        while (left := self.patience_ends - loop.time()) > 0:
            try:
                async with asyncio.timeout(min(left, 1.0)):
                    await ping(self._client)
                self.frozen = False
                return True
            except (TimeoutError, aiodocker.DockerError, aiohttp.ClientError, OSError):
                await asyncio.sleep(min(0.2, max(self.patience_ends - loop.time(), 0)))
        return False

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
