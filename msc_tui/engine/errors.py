"""Turn aiodocker/aiohttp failures into msc's typed one-line errors."""

from __future__ import annotations

import asyncio
from contextlib import contextmanager

import aiodocker
import aiohttp

from ..errors import EngineError, EngineUnreachable, NotFound, NotRunning

CONNECTION_FAILED = 900  # aiodocker's status for "cannot connect to the engine"


@contextmanager
def engine_errors(what: str, endpoint: str = "the Docker Engine"):
    """Translate errors raised inside the block; `what` names the object for messages."""
    try:
        yield
    except aiodocker.DockerError as exc:
        message = str(exc.message).strip().splitlines()[0] if exc.message else str(exc.status)
        if exc.status == CONNECTION_FAILED:
            raise EngineUnreachable(f"lost the connection to the Docker Engine at {endpoint} ({what})") from None
        if exc.status == 404:
            raise NotFound(f"{what}: not found ({message})") from None
        if exc.status == 409 and "not running" in message:
            raise NotRunning(f"{what}: not running") from None
        raise EngineError(f"{what}: {message}") from None
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, ConnectionError,
            FileNotFoundError) as exc:
        raise EngineUnreachable(f"lost the connection to the Docker Engine at {endpoint}: "
                                f"{exc or type(exc).__name__}") from None
    except asyncio.TimeoutError:
        raise EngineUnreachable(f"the Docker Engine at {endpoint} did not answer in time ({what})") from None
