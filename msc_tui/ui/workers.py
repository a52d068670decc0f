"""@guarded_work: Textual's @work for coroutines that reach the engine.

The engine can vanish at any moment; an MscError inside a worker becomes a one-line
notification instead of a crash of the whole app (Textual exits on a worker's error).
"""

from __future__ import annotations

import functools

from textual import work

from ..errors import MscError


def guarded_work(**work_options):
    def decorate(method):
        @functools.wraps(method)
        async def guarded(self, *args, **kwargs):
            try:
                return await method(self, *args, **kwargs)
            except MscError as exc:
                self.notify(str(exc), severity="error")

        return work(**work_options)(guarded)

    return decorate
