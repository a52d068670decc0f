"""What every command shares: the core, opened for one command, and the one way a command asks."""

from __future__ import annotations

import sys
from contextlib import asynccontextmanager

from ..core.service import Msc
from .console import stderr


@asynccontextmanager
async def opened():
    msc = await Msc.open(warm=False)  # one process per command: a warm server would not outlive it
    for warning in msc.warnings:
        print(f"msc: {warning}", file=stderr())
    try:
        yield msc
    finally:
        await msc.close()


def ask(prompt: str) -> str:
    """A question on stderr (stdout carries only the program's output), the answer from stdin."""
    print(prompt, end="", file=sys.stderr, flush=True)
    return input().strip()
