"""`msc who`: who is in a session now: the clients following it (a TUI, `msc logs --follow`, an
agent) and the runs going in it, whoever's home they come from.

Names and file names come from the session (and from other people), so the text reaches the
terminal through core/terminal_text (render.table), unless `--raw` asks for them as they are.
"""

from __future__ import annotations

from ..formatting import clock
from .command_core import opened
from .render import print_json, table
from .targets import session_arg


async def who(args) -> int:
    async with opened() as msc:
        container = (await session_arg(msc, args.session, args)).name
        found = await msc.runs.records.who(container)
    if args.json:
        print_json({"container_name": container, **found})
        return 0
    rows = [{"who": p.get("by"), "face": p.get("face"), "since": clock(p.get("since")), "doing": p.get("what")}
            for p in found["present"]]
    rows += [{"who": r.get("by"), "face": r.get("face"), "since": clock(r.get("started_at")),
              "doing": f"running run {r.get('id')} of {r.get('file')}"} for r in found["running"]]
    print(table(rows, ["who", "face", "since", "doing"], empty=f"nobody follows {container} and no run is going",
                raw=args.raw))
    return 0
