"""A run's host-side bookkeeping (the file kept under MSC_HOME, the record touched) overlaps with
the run, off its critical path, but the state lock is taken before the program starts: a lock
held elsewhere (a stuck msc) fails the command before anything runs, never after the run."""

from __future__ import annotations

import asyncio
from typing import Callable


async def started_bookkeeping(keep: Callable[[Callable[[], None]], None]) -> asyncio.Future:
    """keep(on_locked) started in a thread; returns once it holds the state lock (it goes on with
    the save meanwhile: await the future for that) and raises when it failed before."""
    loop = asyncio.get_running_loop()
    locked = loop.create_future()

    def said() -> None:
        if not locked.done():
            locked.set_result(None)

    def on_locked() -> None:
        loop.call_soon_threadsafe(said)

    bookkeeping = loop.run_in_executor(None, keep, on_locked)
    await asyncio.wait({locked, bookkeeping}, return_when=asyncio.FIRST_COMPLETED)
    locked.cancel()
    if bookkeeping.done():
        bookkeeping.result()  # its failure, before the program starts
    return bookkeeping
