"""Session references as users give them (an id or a container name), checked before any engine
call: they go into the engine's URLs, so only Docker's grammar for names passes."""

from __future__ import annotations

import re

from ..errors import UsageError
from .ownership import PREFIX

CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}")  # Docker's grammar for names (and ids)


def checked_reference(ref: str) -> str:
    """The reference, stripped; UsageError when it is empty or not a name the engine could have."""
    ref = ref.strip()
    if not ref.removeprefix(PREFIX):
        raise UsageError("empty session name (msc ls lists the sessions)")
    if not CONTAINER_NAME.fullmatch(ref):
        shown = ref if len(ref) <= 40 else ref[:40] + "…"
        raise UsageError(f"no session {shown!r}: session ids and container names are letters, digits, "
                         "'_', '.' and '-' (msc ls lists the sessions)")
    return ref
