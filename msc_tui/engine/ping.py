"""Whether the engine answers, asked at the least cost.

Opening a connection and the liveness checks (a long stream's watch, a frozen engine's return,
the events stream's reconnect) ask /_ping, never /version: Podman's /version runs `dpkg-query`
for each of its components (a fifth of a second of CPU per call), and dockerd's gathers its
components' versions. /_ping's headers name the API version and whether it is Podman.
"""

from __future__ import annotations

from collections.abc import Mapping

import aiodocker


async def ping(docker: aiodocker.Docker) -> Mapping[str, str]:
    """The headers of the engine's answer to /_ping; raises as any call to it would."""
    async with docker._query("_ping", versioned_api=False) as response:  # (aiodocker has no ping of its own)
        await response.read()
        return response.headers
