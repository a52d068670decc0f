"""`msc history` and `msc logs`: a session's runs, anyone's, read from the session.

Everything here comes from the session (a program's output, run records it may have
edited), so it reaches the terminal through core/terminal_text: escape sequences are shown
as text, never sent to the reader's terminal, unless `--raw` asks for them as they are.
"""

from __future__ import annotations

import asyncio
import json
import sys

from ..core.run_history import UnknownRun
from ..core.terminal_text import visible_name
from ..errors import MscError, NotFound, NotRunning
from ..formatting import clock, number, run_closing, run_header, run_outcome
from .command_core import opened
from .render import print_json, table
from .safe_output import SafeStreams
from .targets import session_arg


async def history(args) -> int:
    async with opened() as msc:
        container = (await session_arg(msc, args.session, args)).name
        runs = await msc.runs.history(container)
    if args.json:
        print_json({"container_name": container, "runs": runs})
        return 0
    if not runs:
        print(f"no runs recorded in {container}")
        return 0
    rows = [{"run": r.get("id"), "by": r.get("by"), "face": r.get("face"), "file": r.get("file"),
             "started": clock(r.get("started_at")),
             "duration": "-" if (seconds := number(r.get("duration_s"))) is None else f"{seconds:.2f}s",
             "result": run_outcome(r, brief=True)} for r in runs]
    print(table(rows, ["run", "by", "face", "file", "started", "duration", "result"], raw=args.raw))
    return 0


async def logs(args) -> int:
    async with opened() as msc:
        container = (await session_arg(msc, args.session, args)).name
        if args.follow and args.run == "latest":
            events = msc.runs.follow(container, last=True, face="cli")
        else:
            events = msc.runs.logs(container, args.run, follow=args.follow)
        collected: dict[str, list[str]] = {"stdout": [], "stderr": []}
        meta: dict = {}
        try:
            await _print_events(args, events, collected, meta, msc.runs.client)
        except UnknownRun:  # an answer, not a broken stream: no container to look for
            raise
        except MscError:
            if await _removed(msc, container):
                raise NotFound(f"session {args.session} was removed while being followed") from None
            raise
        if args.follow and args.run == "latest":  # following every run ends only with the session
            if await _removed(msc, container):
                raise NotFound(f"session {args.session} was removed while being followed")
            raise NotRunning(f"session {args.session}: its container stopped while being followed")
    if args.json:
        meta.pop("tag", None)
        print_json({**meta, "stdout": "".join(collected["stdout"]), "stderr": "".join(collected["stderr"])})
    return 0


async def _removed(msc, container: str) -> bool:
    """After a follower's stream broke: was the container removed? A removal kills it first,
    so for a moment it may still be listed, even as running."""
    for _ in range(30):
        if not await msc.container_exists(container):
            return True
        await asyncio.sleep(0.1)
    return False


async def _print_events(args, events, collected: dict, meta: dict, me: str) -> None:
    output = SafeStreams(raw=args.raw)
    here: dict[tuple, object] | None = None  # who else follows, and what they do (the first list: there already)
    try:
        async for event in events:
            if args.json and args.follow:
                print(json.dumps({"event": event.kind, "run": event.run_id, **event.meta,
                                  **({"stream": event.stream, "text": event.text} if event.kind == "output" else {})}),
                      flush=True)
            elif args.json:
                meta.update(event.meta)
                if event.kind == "output":
                    collected[event.stream].append(event.text)
            elif event.kind == "output":
                output(event.stream, event.text)
            elif event.kind == "end":
                output.finish()
            if event.kind == "presence" and not args.json:
                now = {(p.get("by"), p.get("face"), p.get("since")): p.get("what") for p in event.meta["present"]
                       if p.get("client") != me}
                before = now if here is None else here
                said = [f"{by} joined ({face})" for by, face, _ in now.keys() - before.keys()]
                said += [f"{key[0]} ({key[1]}) is {now[key]}" for key in now.keys() & before.keys()
                         if now[key] != before[key] and str(now[key]).startswith("editing ")]
                said += [f"{by} left" for by, _, _ in before.keys() - now.keys()]
                for line in said:
                    print(line if args.raw else visible_name(line), file=sys.stderr, flush=True)
                here = now
            if args.follow and not args.json and event.kind in ("start", "end"):  # not "changed": a file write
                line = run_header(event.meta) if event.kind == "start" else run_closing(event.meta)
                print(line if args.raw else visible_name(line), file=sys.stderr, flush=True)
    finally:
        output.finish()
