"""`msc run`: the session chosen (or made), the file and its project sent, the run's output relayed
as it comes, and its outcome in words and an exit code."""

from __future__ import annotations

import asyncio
import sys
from contextlib import nullcontext
from pathlib import Path

from ..config import load_settings
from ..core.imports import local_modules
from ..core.project import MAX_SOURCE, decode_source, read_source, scan_project
from ..core.run_input import RunInput, check_filename
from ..core.service import Msc
from ..core.terminal_env import terminal_env
from ..core.terminal_text import visible, visible_name
from ..errors import UsageError
from ..formatting import plural
from .command_core import ask, opened
from .console import current, stderr, stdout
from .program_input import terminal_size
from .render import BuildProgress, print_json
from .targets import session_arg


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
            answer = ask("Reuse existing container? (number; Enter: 1, the last used; 'n': new): ").strip() or "1"
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


async def run(args, msc: Msc | None = None, cwd: Path | None = None) -> int | None:
    """`msc run`; the run agent passes its open core and the asking process's folder."""
    console, cwd = current(), cwd or Path.cwd()
    project = None
    if args.file == "-":
        code = decode_source(console.read_code(MAX_SOURCE + 1), "the code on stdin")
        filename = "main.py" if args.name is None else args.name
        folder = cwd  # python - imports from the current directory
    else:
        path = cwd / args.file
        code = read_source(path)
        folder = path.resolve().parent
        settings = msc.settings if msc else load_settings()
        # In a thread: in the run agent, other clients' runs go on meanwhile.
        project = await asyncio.to_thread(scan_project, path, settings.project_max_mb, settings.project_max_files,
                                          cwd, console.output_files)
        filename = project.script if args.name is None else args.name
    check_filename(filename)
    if "\0" in code:  # (the core refuses it too, but only once the engine is asked)
        raise UsageError("the code contains a NUL byte; Python cannot run it")
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
                                   size=terminal_size() if args.tty else None, on_notice=_notice,
                                   env=terminal_env(console.term) if console.stdout_isatty and not args.json else None)
        finally:
            program_input.stop()
    stop = result.stop_notice(msc.settings.disk)
    if stop:
        print(f"msc: {stop}", file=stderr())
        if not args.json:
            return result.stopped_exit
    if args.json:
        print_json(result.as_dict())
        return result.exit_code
    for hint in result.hints:
        print(f"msc: hint: {hint}", file=stderr())
    if result.changed_files:
        shown = ", ".join(result.changed_files[:5]) + (" ..." if len(result.changed_files) > 5 else "")
        print(f"msc: the program wrote {shown} (msc cp {record.id}:/app/PATH . brings one back)", file=stderr())
    if result.auto_installed:
        print(f"msc: installed {' '.join(result.auto_installed)}", file=stderr())
    if result.install_error:
        print(f"msc: {visible(result.install_error)}", file=stderr())
    if args.auto_install and result.auto_install_stopped and not result.success:
        print(f"msc: auto-install stopped: {result.auto_install_stopped}", file=stderr())
    elif result.missing_packages:
        print(f"msc: missing packages: {' '.join(result.missing_packages)} "
              f"(msc install {record.id} {' '.join(result.missing_packages)}, "
              f"or msc run -s {record.id} --auto-install {args.file})",
              file=stderr())
    for notice in result.end_notices(msc.settings.memory, args.timeout or msc.settings.run_timeout):
        print(f"msc: {notice}", file=stderr())
    return result.exit_code
