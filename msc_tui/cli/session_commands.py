"""`msc ls`, `rm`, `fork`, `restore`, `cp`, `files`, `shell`: the sessions themselves, their files, a shell in one."""

from __future__ import annotations

import sys
from pathlib import Path

from ..core.copying import split_target
from ..core.ownership import OTHER_HOME
from ..errors import NotFound, UsageError
from ..formatting import plural
from .command_core import opened
from .render import BuildProgress, print_json, table, terminal_width
from .safe_output import SafeStreams
from .targets import session_arg

LS_DROPPABLE = ("image", "session", "created")  # the name ends with the session id; --json has every field


async def ls(args) -> int:
    empty = "no sessions"
    async with opened() as msc:
        views = await msc.listing(include_all=args.all, size=args.size)
        if not views and not args.all and not args.json:  # a pair's first look: theirs are not yours
            others = sum(v.owner == OTHER_HOME for v in await msc.listing(include_all=True))
            if others:
                empty = f"no sessions of this home; {plural(others, 'session')} of other homes: msc ls --all"
    if args.json:
        print_json([v.as_dict() for v in views])
        return 0
    rows = [{**v.as_dict(), "owner": v.whose, **({"status": "pool"} if v.in_pool else {})} for v in views]
    columns = ["name", "session", "app_type", "image", "status", "created", "last_used", "going", "packages"]
    if args.size:
        columns += ["size_rw", "warm_rss"]
    if args.all:
        columns += ["owner"]
    print(table(rows, columns, empty, width=terminal_width(), droppable=LS_DROPPABLE))
    return 0


async def rm(args) -> int:
    removed, failed = [], []
    async with opened() as msc:
        refused = False
        for ref in args.sessions:
            try:
                removed.append(await msc.sessions.remove(ref, args.keep_record, args.force))
            except NotFound as exc:
                failed.append(str(exc))
            except UsageError as exc:
                failed.append(str(exc))
                refused = True
    if args.json:
        print_json({"removed": removed, "errors": failed})
    else:
        for name in removed:
            print(f"removed {name}")
        for error in failed:
            print(f"msc: {error}", file=sys.stderr)
    return 2 if refused else 4 if failed else 0


async def fork(args) -> int:
    async with opened() as msc:
        record = await msc.fork(args.session, args.name)
    if args.json:
        print_json({"session": record.id, "container_name": record.container_name, "forked_from": record.forked_from,
                    "app_type": record.app_type, "network": record.network,
                    "installed_packages": record.installed_packages, "requested_packages": record.requested_packages})
    else:
        print(f"forked {args.session} into {record.container_name}")
    return 0


async def restore(args) -> int:
    progress, output = BuildProgress(enabled=not args.json), SafeStreams()
    async with opened() as msc:
        record = await msc.restore(args.session, progress, None if args.json else output)
    progress.done()
    output.finish()
    if args.json:
        print_json({"session": record.id, "container_name": record.container_name,
                    "installed_packages": record.installed_packages})
    else:
        print(f"restored {record.container_name}")
    return 0


async def cp(args) -> int:
    # (cli/arguments.py checked both sides)
    (src_session, src), (dst_session, dst) = split_target(args.source), split_target(args.target)
    async with opened() as msc:
        container = (await session_arg(msc, src_session or dst_session or "", args)).name
        if dst_session:
            where = f"{container}:{await msc.copying.into(container, Path(src), dst)}"
        else:
            where = str(await msc.copying.out(container, src, Path(dst)))
    if args.json:
        print_json({"copied": args.source, "to": where})
    else:
        print(f"copied {args.source} to {where}")
    return 0


async def files(args) -> int:
    async with opened() as msc:
        container = (await session_arg(msc, args.session, args)).name
        rows = await msc.copying.listing(container)
    if args.json:
        print_json({"container_name": container, "files": rows})
    else:
        print(table(rows, ["path", "size", "modified"], empty=f"no files in {container}:/app"))
    return 0


async def shell(args) -> int:
    async with opened() as msc:
        record = (await session_arg(msc, args.session, args)).session
        shell = await msc.shell(record, interactive=sys.stdin.isatty())
    return shell.call()
