"""`msc df` and `msc clean`: what msc uses on the engine and in MSC_HOME, and removing what is old."""

from __future__ import annotations

import sys

from ..core.cleanup import CACHE, IMAGES, KINDS, POOL, RECORDS, SESSIONS
from ..core.sessions import parse_duration
from ..errors import UsageError
from ..formatting import plural, size
from .command_core import ask, opened
from .render import print_json, table


async def df(args) -> int:
    async with opened() as msc:
        inventory = await msc.cleanup.survey()
    summary = inventory.summary()
    if args.json:
        print_json({**summary, "items": [i.as_dict() for i in inventory.items]})
        return 0
    print(table([{"kind": kind, **row} for kind, row in summary.items()], ["kind", "count", "size", "reclaimable"]))
    images = [i.as_dict() for i in inventory.of(IMAGES)]
    if images:
        print()
        print(table([{**i, "image": i["name"], "app_type": i["detail"], "used_by": i["users"]} for i in images],
                    ["image", "app_type", "size", "frees", "used_by", "last_used"]))
    return 0


NOUNS = {SESSIONS: "session", POOL: "pool session", IMAGES: "image", CACHE: "cache", RECORDS: "record"}


async def clean(args) -> int:
    try:
        older = None if args.older_than is None else parse_duration(args.older_than)
    except UsageError as exc:
        raise UsageError(f"--older-than: {exc}") from None
    kinds = {k for k in KINDS if getattr(args, k)} or {SESSIONS, POOL}
    if args.everything:
        kinds = set(KINDS)
    if args.all_images:
        kinds.add(IMAGES)
    async with opened() as msc:
        found = await msc.cleanup.survey()
        chosen = msc.cleanup.choose(found, kinds, older, args.stopped, args.all_images)
        # `--sessions` without `--pool` leaves the warm pool's sessions: said, or they look left over
        sessions_alone = SESSIONS in kinds and POOL not in kinds
        pooled = msc.cleanup.choose(found, {POOL}, older, args.stopped, False) if sessions_alone else []
        frees = sum(i.frees for i in chosen)
        if not args.dry_run and chosen and not args.yes:
            if args.json or not sys.stdin.isatty():
                raise UsageError(f"would remove {plural(len(chosen), 'object')} ({size(frees)}); "
                                 "pass --yes to confirm (or --dry-run)")
            print(table([i.as_dict() for i in chosen], ["kind", "name", "detail", "frees", "last_used"]))
            these = "it" if len(chosen) == 1 else f"these {len(chosen)}"
            if ask(f"Remove {these} ({size(frees)})? [y/N] ").lower() not in ("y", "yes"):
                print("nothing removed")
                return 1
        removed, errors = [], []
        if not args.dry_run and chosen:
            progress = None if args.json or not sys.stderr.isatty() else _clean_progress(len(chosen))
            removed, errors = await msc.cleanup.remove(chosen, progress)
    if args.json:
        print_json({"dry_run": args.dry_run, "candidates": [i.name for i in chosen],
                    "items": [i.as_dict() for i in chosen],
                    "removed": [i.name for i in removed], "frees": frees,
                    "freed": sum(i.frees for i in removed), "errors": errors})
    else:
        for item in (chosen if args.dry_run else removed):
            verb = "would remove" if args.dry_run else "removed"
            print(f"{verb} {NOUNS[item.kind]} {item.name} ({size(item.frees)})")
        for error in errors:
            print(f"msc: {error}", file=sys.stderr)
        if chosen:
            freed = frees if args.dry_run else sum(i.frees for i in removed)
            print(f"{'would free' if args.dry_run else 'freed'} {size(freed)}")
        else:
            print("nothing to clean")
        if pooled:
            print(f"kept: {plural(len(pooled), NOUNS[POOL])} made ahead for new sessions (--pool removes "
                  f"{'it' if len(pooled) == 1 else 'them'})")
    return 4 if errors else 0


def _clean_progress(total: int):
    done = 0

    def report(item, error) -> None:
        nonlocal done
        done += 1
        print(f"\rremoving: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)
    return report
