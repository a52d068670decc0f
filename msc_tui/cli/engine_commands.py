"""`msc build`, `msc doctor` and `msc mcp`: the images msc builds, the engine it reaches, the agents' face."""

from __future__ import annotations

import sys
import time

from ..config import load_settings
from ..core.recipe import render
from ..core.service import chosen_endpoint
from ..errors import EngineUnreachable
from .command_core import opened
from .render import BuildProgress, print_json


async def build(args) -> int:
    settings = load_settings()
    app_type = args.app_type or settings.default_app_type
    if args.dockerfile:
        sys.stdout.write(render(app_type, settings).dockerfile)
        return 0
    started = time.monotonic()
    progress = BuildProgress(enabled=not args.json)
    async with opened() as msc:
        image = await msc.build(app_type, progress)
    progress.done()
    seconds = round(time.monotonic() - started, 2)
    if args.json:
        print_json({"app_type": app_type, "image": image.tag, "built": image.built, "seconds": seconds})
    else:
        print(f"{'built' if image.built else 'already built'}: {image.tag} ({seconds}s)")
    return 0


async def doctor(args) -> int:
    settings = load_settings()
    report = {"endpoint": None, "context": None, "chosen_by": None, "engine_version": None, "api_version": None,
              "ok": False,
              "base_image": settings.base_image, "base_image_present": None,
              "state_dir": str(settings.state_dir), "config_file": str(settings.config_file),
              "ca_bundle": settings.ca_bundle or None, "error": None}
    try:
        chosen = chosen_endpoint(settings)
        report.update(endpoint=chosen.host, context=chosen.context, chosen_by=chosen.how)
        async with opened() as msc:
            report.update(await msc.engine_facts())
            report["ok"] = True
    except EngineUnreachable as exc:
        report["error"] = str(exc)
    if args.json:
        print_json(report)
    elif report["ok"]:
        present = "present" if report["base_image_present"] else "not present here (the first build pulls it)"
        context = f"context {report['context']}, " if report["context"] else ""
        print(f"engine:     {report['endpoint']} (Docker {report['engine_version']}, API {report['api_version']}; "
              f"{context}chosen by {report['chosen_by']})")
        print(f"base image: {report['base_image']} - {present}")
        print(f"state:      {report['state_dir']}")
        print(f"config:     {report['config_file']}")
        print(f"CA bundle:  {report['ca_bundle'] or '(system default)'}")
    else:
        print(f"msc doctor: {report['error']}", file=sys.stderr)
    return 0 if report["ok"] else EngineUnreachable.exit_code


async def mcp(args) -> int:
    from ..mcp.server import serve  # the MCP SDK is imported for this command only

    return await serve()
