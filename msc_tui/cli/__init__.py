"""The command line: `msc` opens the TUI; `msc COMMAND ...` is for scripts."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from ..errors import MscError
from .parser import build_parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 1 and argv[0].endswith(".py") and os.path.isfile(argv[0]):  # `msc app.py`: the TUI on it
        from pathlib import Path

        from ..ui.app import run_app

        return run_app(Path(argv[0]))
    args = build_parser().parse_args(argv)
    if args.context:  # for every part that loads the settings, the TUI included
        os.environ["MSC_CONTEXT"] = args.context
    if args.command is None:
        from ..ui.app import run_app  # Textual is imported only for the TUI

        return run_app()
    try:
        return asyncio.run(args.handler(args)) or 0
    except MscError as exc:
        return _failed(args, str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return _failed(args, "interrupted", 130)
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("MSC_DEBUG"):
            raise
        return _failed(args, f"unexpected error: {type(exc).__name__}: {exc} (MSC_DEBUG=1 shows the traceback)", 1)


def _failed(args, message: str, code: int) -> int:
    """One line on stderr; with --json also a JSON object on stdout, so agents always get one."""
    print(f"msc: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"success": False, "error": message, "exit_code": code}))
    return code
