"""`msc ARGS...` driven in this process: the CLI's entry function called with argv, its streams
captured, SystemExit caught. ~250 `msc` subprocesses would cost over a minute of imports; the same
calls in-process cost milliseconds. A few cases run both ways (tests/unit/test_bad_input.py) to
prove the two agree."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


class _Stdin(io.TextIOWrapper):
    """sys.stdin with the case's bytes behind it, never a terminal."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data), encoding="utf-8")

    def isatty(self) -> bool:
        return False


def run_inprocess(argv: list[str], stdin: bytes = b"", env: dict[str, str | None] | None = None) -> Outcome:
    """The exit code, stdout and stderr of `msc argv` as main() gives them. An exception escaping
    main() is a bug the subprocess would show as a traceback: it is returned as one, exit 1."""
    from msc_tui import cli

    saved_env, saved_stdin = dict(os.environ), sys.stdin
    out, err = io.StringIO(), io.StringIO()
    for key, value in (env or {}).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    sys.stdin = _Stdin(stdin)
    try:
        # Warnings as a fresh `msc` process prints them (pytest would collect them instead).
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _shown_on_stderr
            try:
                code = cli.main(list(argv))
            except SystemExit as exc:  # argparse's usage errors, --help, --version
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001 - what a user would see as a traceback
                import traceback

                traceback.print_exc()
                code = 1
    finally:
        sys.stdin = saved_stdin
        os.environ.clear()
        os.environ.update(saved_env)
    return Outcome(code, out.getvalue(), err.getvalue())


def _shown_on_stderr(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def run_subprocess(argv: list[str], stdin: bytes = b"", env: dict[str, str | None] | None = None) -> Outcome:
    """The same through a real `msc` process."""
    environment = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    done = subprocess.run([sys.executable, "-m", "msc_tui", *argv], input=stdin, capture_output=True,
                          timeout=120, env=environment)
    return Outcome(done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))


def one_clear_line(outcome: Outcome, command: str | None = None) -> str:
    """The problem with the outcome's stderr, '' when it is one clear line: `msc: ...`, or argparse's
    usage of the command (`command`) followed by its one error line. No traceback either way."""
    err = outcome.err
    if "Traceback" in err or "Task exception" in err:
        return f"a traceback:\n{err}"
    lines = err.splitlines()
    if err.startswith("usage: "):
        prog = f"msc {command}" if command else "msc"
        if not lines[0].startswith(f"usage: {prog} ") and lines[0] != f"usage: {prog}":
            return f"the usage is not {prog}'s: {lines[0]!r}"
        if not lines[-1].startswith(f"{prog}: error: ") or sum(": error: " in line for line in lines) != 1:
            return f"not one error line under the usage: {err!r}"
        return ""
    if len(lines) != 1 or not lines[0].startswith("msc: ") or not err.endswith("\n"):
        return f"not one line: {err!r}"
    if len(lines[0]) > 400:
        return f"a line of {len(lines[0])} characters (a value echoed whole?): {lines[0][:120]!r}..."
    return ""
