"""`msc install`, `msc uninstall`, `msc packages`: a session's packages."""

from __future__ import annotations

import sys

from packaging.requirements import Requirement

from ..core.imports import is_known_distribution
from ..core.packages import validate_specs
from ..core.terminal_text import visible_name
from .command_core import opened
from .render import print_json
from .safe_output import SafeStreams
from .targets import session_arg


async def _package_action(args, action: str) -> int:
    specs = validate_specs(args.specs)
    if action == "install" and not args.json:
        for spec in specs:
            name = Requirement(spec).name
            if not is_known_distribution(name):
                print(f"msc: note: no module msc knows of is provided by {name}; installing it as asked",
                      file=sys.stderr)
    async with opened() as msc:
        record = (await session_arg(msc, args.session, args)).session
        output = SafeStreams()  # the installer's output comes from the session
        method = msc.packages.install if action == "install" else msc.packages.uninstall
        installed = await method(record, args.specs, None if args.json else output)
        output.finish()
    if args.json:
        print_json({"session": record.id, "container_name": record.container_name, action + "ed": args.specs,
                    "installed_packages": installed})
    return 0


async def install(args) -> int:
    return await _package_action(args, "install")


async def uninstall(args) -> int:
    return await _package_action(args, "uninstall")


async def packages(args) -> int:
    async with opened() as msc:
        record = (await session_arg(msc, args.session, args)).session
        installed = await msc.packages.installed(record)
    if args.json:
        print_json({"session": record.id, "installed_packages": installed,
                    "requested_packages": record.requested_packages})
    elif args.requirements:
        sys.stdout.write(msc.packages.requirements(record))
    else:
        for line in installed:
            print(visible_name(line.replace("==", " ")))  # names from the session's metadata
    return 0
