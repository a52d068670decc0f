"""The command line: `msc` opens the TUI; `msc COMMAND ...` is for scripts.

Imports are inside main(): `msc run -s S ...` is first offered to the run agent
(cli/agent_client.py), which needs nothing but the standard library to start fast.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from .agent_client import run_through_agent

    answered = run_through_agent(argv)
    if answered is not None:
        return answered
    if len(argv) == 1 and argv[0].endswith(".py"):  # `msc app.py`: the TUI on it
        if not os.path.isfile(argv[0]):  # else argparse's "invalid choice" lists the commands
            print(f"msc: no such file: {argv[0]} (msc FILE.py opens an existing file; in the TUI ctrl+n "
                  "starts a new one)", file=sys.stderr)
            return 4
        from pathlib import Path

        from ..ui.app import run_app

        return run_app(Path(argv[0]))
    from .parser import build_parser, command_names, unknown_command

    parser = build_parser()
    commands = command_names(parser)
    if argv and not argv[0].startswith("-") and argv[0] not in commands:
        print(f"msc: {unknown_command(argv[0], commands)}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if args.context:  # for every part that loads the settings, the TUI included
        os.environ["MSC_CONTEXT"] = args.context
    if args.command is None:
        from ..ui.app import run_app  # Textual is imported only for the TUI

        return run_app()
    return run_command(args)


def run_command(args) -> int:
    """Check the command's arguments, then run its coroutine; every failure is one line (and JSON
    with --json)."""
    import asyncio

    from ..errors import MscError
    from .arguments import check_arguments

    try:
        check_arguments(args)
        return asyncio.run(args.handler(args)) or 0
    except MscError as exc:
        return failed(args, str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return failed(args, "interrupted", 130)
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("MSC_DEBUG"):
            raise
        return failed(args, f"unexpected error: {type(exc).__name__}: {exc} (MSC_DEBUG=1 shows the traceback)", 1)


def failed(args, message: str, code: int) -> int:
    """One line on stderr; with --json also a JSON object on stdout, so agents always get one."""
    import json

    from ..core.terminal_text import visible
    from .console import stderr, stdout

    print(f"msc: {visible(message)}", file=stderr())  # a message may quote the session
    if getattr(args, "json", False):
        print(json.dumps({"success": False, "error": message, "exit_code": code}), file=stdout())
    return code
