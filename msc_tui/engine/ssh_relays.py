"""A lost SSH connection said once, by msc, not also as a stray traceback.

aiodocker's SSH connector relays each stream through a task of its own; when the connection
goes (sshd killed, the network down) the task ends with asyncssh's ConnectionLost, which nobody
awaits: asyncio would print it as "Task exception was never retrieved" with a traceback, while
the stream that read from it already ends with msc's one line (engine/errors.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncssh


def quiet_lost_relays(loop: asyncio.AbstractEventLoop) -> None:
    """Drop the loop's report of a relay task that ended with a lost connection; pass on the rest."""
    previous = loop.get_exception_handler()
    if getattr(previous, "quiets_lost_relays", False):
        return

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if (isinstance(context.get("exception"), asyncssh.DisconnectError)
                and "_relay_data" in repr(context.get("future"))):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    handler.quiets_lost_relays = True  # type: ignore[attr-defined]
    loop.set_exception_handler(handler)
