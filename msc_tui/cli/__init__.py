"""The command line: `msc` opens the TUI; `msc COMMAND ...` is for scripts."""

from __future__ import annotations

import asyncio
import os
import sys

from ..errors import MscError
from .parser import build_parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from ..ui.app import run_app  # Textual is imported only for the TUI

        return run_app()
    try:
        return asyncio.run(args.handler(args)) or 0
    except MscError as exc:
        print(f"msc: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("msc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug: still one line, unless asked for the traceback
        if os.environ.get("MSC_DEBUG"):
            raise
        print(f"msc: unexpected error: {type(exc).__name__}: {exc} (MSC_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 1
