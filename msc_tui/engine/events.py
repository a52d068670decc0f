"""Container events that survive engine restarts.

aiodocker's events stream ends (subscriber gets None) when the daemon stops and never
reconnects. This wraps it: on loss it yields a `lost` event, retries with backoff, and on
success yields `back` so the consumer re-lists and reconciles what it missed.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import AsyncIterator

import aiodocker
import aiohttp

from .ping import ping

ACTIONS = ("create", "start", "restart", "die", "stop", "kill", "pause", "unpause",
           "destroy", "rename", "oom",
           "exec_start", "exec_die")  # who runs what where (msc's runs name their user)
# Podman's words for the same events; consumers see Docker's.
PODMAN_SPELLINGS = {"died": "die", "remove": "destroy", "exec_died": "exec_die"}


@dataclass(frozen=True)
class EngineEvent:
    kind: str  # "container", "lost" or "back"
    action: str = ""
    container_id: str = ""
    name: str = ""
    attributes: dict = field(default_factory=dict, compare=False)


class Events:
    def __init__(self, docker: aiodocker.Docker, endpoint: str):
        self._docker = docker
        self._endpoint = endpoint

    async def watch(self, label: str | None = None, since: float | None = None,
                    max_backoff: float = 5.0) -> AsyncIterator[EngineEvent]:
        """Container events forever (until the caller stops iterating).

        `since` (epoch seconds) replays earlier events first; after a reconnect the stream
        resumes from the last event seen, so the daemon replays what it still remembers.
        """
        filters = {"type": ["container"], "event": [*ACTIONS, *PODMAN_SPELLINGS]}
        if label:
            filters["label"] = [label]
        backoff = 0.2
        connected = True
        while True:
            if not connected:
                try:
                    async with asyncio.timeout(3):
                        await ping(self._docker)
                except (aiohttp.ClientError, OSError, aiodocker.DockerError, TimeoutError):
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, max_backoff)
                    continue
                connected, backoff = True, 0.2
                yield EngineEvent("back")
            params = {"filters": json.dumps(filters)}
            if since is not None:
                params["since"] = f"{since:.9f}"
            subscriber = self._docker.events.subscribe(**params)
            try:
                while (raw := await subscriber.get()) is not None:
                    since = raw.get("timeNano", 0) / 1e9 or since
                    attributes = raw.get("Actor", {}).get("Attributes", {})
                    action = raw.get("Action", raw.get("status", ""))
                    yield EngineEvent("container", PODMAN_SPELLINGS.get(action, action),
                                      raw.get("id", ""), attributes.get("name", ""), attributes)
            finally:
                await self._stop_stream()
            connected = False
            yield EngineEvent("lost")

    async def _stop_stream(self) -> None:
        # After a daemon loss the reader task holds the connection error; stop() re-raises it.
        try:
            await self._docker.events.stop()
        except Exception:
            self._docker.events.json_stream = None
            self._docker.events.task = None
