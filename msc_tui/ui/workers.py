"""@guarded_work: Textual's @work for coroutines that reach the engine.

The engine can vanish at any moment; an MscError inside a worker becomes a one-line
notification instead of a crash of the whole app (Textual exits on a worker's error). A
screen may also close while its worker waits on the engine (or the whole app, when the user
quits): the worker's lookups of the screen's widgets then find nothing, and there is nobody
left to tell.
"""

from __future__ import annotations

import functools

from textual import work
from textual.css.query import NoMatches
from textual.dom import NoScreen
from textual.screen import Screen

from ..errors import MscError


def _shown(node) -> bool:
    """Whether the node is on a screen of the app's stack (a closed screen is not, nor is any
    once the app has begun to close: its screens are emptied while still on the stack)."""
    try:
        screen = node if isinstance(node, Screen) else node.screen
    except NoScreen:
        return False
    return node.is_attached and node.app.is_running and screen in node.app.screen_stack


def guarded_work(**work_options):
    def decorate(method):
        @functools.wraps(method)
        async def guarded(self, *args, **kwargs):
            try:
                return await method(self, *args, **kwargs)
            except MscError as exc:
                self.notify(str(exc), severity="error")
            except NoMatches:
                if _shown(self):  # a widget missing from a screen still shown: a real bug
                    raise

        return work(**work_options)(guarded)

    return decorate
