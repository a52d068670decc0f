"""The session a command's argument names, of any home, and the one line saying whose it is."""

from __future__ import annotations

from ..core.ownership import Target
from ..core.service import Msc
from .console import stderr


async def session_arg(msc: Msc, ref: str, args, start: bool = True) -> Target:
    """Run, read, install, copy: a pair's session is taken by id or name alike, and named once
    on stderr (never in --json, whose stdout and stderr are for programs)."""
    target = await msc.sessions.find(ref, start=start)
    if not target.ours and not getattr(args, "json", False):
        print(f"msc: note: {target.whose()}; its owner sees what you run and install there", file=stderr())
    return target
