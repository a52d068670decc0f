"""One coroutine per CLI command. Each opens the core, does its job, returns an exit code."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path

from packaging.requirements import Requirement

from ..config import load_settings
from ..core.cleanup import CACHE, IMAGES, KINDS, RECORDS, SESSIONS
from ..core.copying import split_target
from ..core.imports import is_known_distribution, local_modules
from ..core.packages import validate_specs
from ..core.project import MAX_SOURCE, decode_source, read_source, scan_project
from ..core.recipe import render
from ..core.runs import RunInput, check_filename
from ..core.service import Msc
from ..core.sessions import parse_duration
from ..core.terminal_text import visible, visible_name
from ..errors import EngineUnreachable, MscError, NotFound, UsageError
from ..formatting import plural, size
from .console import current, stderr, stdout
from .program_input import terminal_size
from .render import BuildProgress, print_json, table
from .safe_output import SafeStreams
from .targets import session_arg


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


def _stream(stream: str, text: str) -> None:
    out = stdout() if stream == "stdout" else stderr()
    out.write(text)
    out.flush()


def _notice(kind: str, details: dict) -> None:
    """The runner's warnings and who else runs in the session: text from the session, shown as text."""
    if kind == "warning":
        print(f"msc: warning: {visible(details['text'])}", file=stderr())
    elif kind == "project":
        print(f"msc: {visible(details['text'])}", file=stderr())
    for other in details.get("others", []):
        print(visible_name(f"msc: note: run {other['id']} by {other['by']} ({other['face']}, {other['file']}) "
                           "is going in this session too"), file=stderr())


async def _choose_session(msc: Msc, args, code: str):
    """--session, else (in a terminal) the 'Reuse existing container?' prompt, else a new session."""
    if args.session:
        return (await session_arg(msc, args.session, args)).session
    if not args.new and not args.json and current().stdin_isatty and args.file != "-":
        existing = await msc.sessions.existing()
        if existing:
            print(f"Found {plural(len(existing), 'existing development container')}:", file=stderr())
            for i, view in enumerate(existing, 1):
                print(f"  {i}. {view.name} ({view.record.image}) - {view.status}", file=stderr())  # type: ignore[union-attr]
            answer = ask("Reuse existing container? (number, Enter or 'n' for new): ")
            if answer.isdigit() and 1 <= int(answer) <= len(existing):
                record = existing[int(answer) - 1].record
                assert record is not None  # existing(): every one has a record
                await msc.sessions.ensure_running(record)
                print(f"Using existing container: {record.container_name}", file=stderr())
                return record
    progress = BuildProgress(enabled=not args.json)
    record = await msc.sessions.create(args.app_type, code, args.task, args.network, progress)
    progress.done()
    if not args.json:
        print(f"Created development container {record.container_name} ({record.app_type}, {record.image})",
              file=stderr())
    return record


async def run(args, msc: Msc | None = None, cwd: Path | None = None) -> int:
    """`msc run`; the run agent passes its open core and the asking process's folder."""
    if args.session is not None and not args.session.strip():
        raise UsageError("empty session name (msc ls lists the sessions; --new makes one)")
    console, cwd = current(), cwd or Path.cwd()
    project = None
    if args.file == "-":
        code = decode_source(console.read_code(MAX_SOURCE + 1), "the code on stdin")
        filename = args.name or "main.py"
        folder = cwd  # python - imports from the current directory
    else:
        path = cwd / args.file
        code = read_source(path)
        folder = path.resolve().parent
        settings = msc.settings if msc else load_settings()
        # In a thread: in the run agent, other clients' runs go on meanwhile.
        project = await asyncio.to_thread(scan_project, path, settings.project_max_mb, settings.project_max_files,
                                          cwd, console.output_files)
        filename = args.name or project.script
    check_filename(filename)
    local = [m for m in await asyncio.to_thread(local_modules, folder) if m != Path(filename).stem]
    if args.tty and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("--tty needs a terminal on stdin and stdout")
    async with (nullcontext(msc) if msc else opened()) as msc:
        record = await _choose_session(msc, args, code)
        controls = RunInput()
        program_input = console.program_input(controls, forward_stdin=args.file != "-", raw_terminal=args.tty)
        program_input.start()
        try:
            result = await msc.run(record, code, filename=filename, timeout=args.timeout,
                                   auto_install=args.auto_install, on_output=None if args.json else _stream,
                                   local=local, stdin=controls, face="cli", tty=args.tty,
                                   project=project,
                                   size=terminal_size() if args.tty else None, on_notice=_notice)
        finally:
            program_input.stop()
    if result["disk_exceeded"]:
        print(f"msc: stopped: the session has written {size(result['disk_exceeded'])}, over [limits] disk "
              f"({msc.settings.disk}); remove what it wrote, or start a new session", file=stderr())
        if not args.json:
            return 137
    elif result["cancelled"]:
        who = f"stopped by {result['stopped_by']}" if result["stopped_by"] else "interrupted"
        print(f"msc: {who}; the program's process tree was killed", file=stderr())
        if not args.json:
            return 130
    if args.json:
        print_json(result)
    else:
        for hint in result["hints"]:
            print(f"msc: hint: {hint}", file=stderr())
        if result["changed_files"]:
            shown = ", ".join(result["changed_files"][:5]) + (" ..." if len(result["changed_files"]) > 5 else "")
            print(f"msc: the program wrote {shown} (msc cp {record.id}:/app/PATH . brings one back)",
                  file=stderr())
        if result["auto_installed"]:
            print(f"msc: installed {' '.join(result['auto_installed'])}", file=stderr())
        if result["install_error"]:
            print(f"msc: {visible(result['install_error'])}", file=stderr())
        if args.auto_install and result["auto_install_stopped"] and not result["success"]:
            print(f"msc: auto-install stopped: {result['auto_install_stopped']}", file=stderr())
        elif result["missing_packages"]:
            print(f"msc: missing packages: {' '.join(result['missing_packages'])} "
                  f"(msc install {record.id} {' '.join(result['missing_packages'])}, or run with --auto-install)",
                  file=stderr())
        if result["oom_killed"]:
            print(f"msc: killed: out of memory (the session's limit is {msc.settings.memory or 'none'}; "
                  "[limits] memory raises it for new sessions)", file=stderr())
        elif result["exit_code"] == 137 and not result["timed_out"] and not result["cancelled"]:
            print("msc: killed (SIGKILL) from outside the program", file=stderr())
        if result["timed_out"]:
            print(f"msc: timed out after {args.timeout or msc.settings.run_timeout}s; the program was killed",
                  file=stderr())
    return result["exit_code"]


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


async def ls(args) -> int:
    async with opened() as msc:
        views = await msc.listing(include_all=args.all, size=args.size)
    if args.json:
        print_json([v.as_dict() for v in views])
        return 0
    rows = [{**v.as_dict(), "owner": v.whose} for v in views]
    columns = ["name", "session", "app_type", "image", "status", "created", "last_used", "going", "packages"]
    if args.size:
        columns += ["size_rw", "warm_rss"]
    if args.all:
        columns += ["owner"]
    print(table(rows, columns))
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


NOUNS = {SESSIONS: "session", IMAGES: "image", CACHE: "cache", RECORDS: "record"}


async def clean(args) -> int:
    older = parse_duration(args.older_than) if args.older_than else None
    kinds = {k for k in KINDS if getattr(args, k)} or {SESSIONS}
    if args.everything:
        kinds = set(KINDS)
    if args.all_images:
        kinds.add(IMAGES)
    async with opened() as msc:
        chosen = msc.cleanup.choose(await msc.cleanup.survey(), kinds, older, args.stopped, args.all_images)
        frees = sum(i.frees for i in chosen)
        if not args.dry_run and chosen and not args.yes:
            if args.json or not sys.stdin.isatty():
                raise UsageError(f"would remove {len(chosen)} objects ({size(frees)}); "
                                 "pass --yes to confirm (or --dry-run)")
            print(table([i.as_dict() for i in chosen], ["kind", "name", "detail", "frees", "last_used"]))
            if ask(f"Remove these {len(chosen)} ({size(frees)})? [y/N] ").lower() not in ("y", "yes"):
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
    return 4 if errors else 0


def _clean_progress(total: int):
    done = 0

    def report(item, error) -> None:
        nonlocal done
        done += 1
        print(f"\rremoving: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)
    return report


async def cp(args) -> int:
    (src_session, src), (dst_session, dst) = split_target(args.source), split_target(args.target)
    if bool(src_session) == bool(dst_session):
        raise UsageError("one side of msc cp is a session path (SESSION:/app/...), the other a local path")
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


async def shell(args) -> int:
    async with opened() as msc:
        record = (await session_arg(msc, args.session, args)).session
        env = msc.engine.cli_environment(dict(os.environ))
    docker = shutil.which("docker")
    if docker is None:
        raise MscError("msc shell needs the docker command-line client on PATH")
    argv = msc.sessions.shell_argv(record, docker, interactive=sys.stdin.isatty())
    return subprocess.call(argv, env=env)


async def doctor(args) -> int:
    settings = load_settings()
    report = {"endpoint": None, "context": None, "chosen_by": None, "engine_version": None, "api_version": None,
              "ok": False,
              "base_image": settings.base_image, "base_image_present": None,
              "state_dir": str(settings.state_dir), "config_file": str(settings.config_file),
              "ca_bundle": settings.ca_bundle or None, "error": None}
    try:
        from ..engine import resolve_endpoint

        chosen = resolve_endpoint(settings.docker_host, settings.docker_context)
        report.update(endpoint=chosen.host, context=chosen.context, chosen_by=chosen.how)
        async with opened() as msc:
            report["engine_version"] = msc.engine.info.get("Version")
            report["api_version"] = msc.engine.info.get("ApiVersion")
            report["base_image_present"] = await msc.engine.images.exists(settings.base_image)
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
