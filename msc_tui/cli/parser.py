"""Argument parsing: one sub-parser per command, each bound to its handler."""

from __future__ import annotations

import argparse

from .. import __version__
from ..config import APP_TYPES, NETWORK_POLICIES, seconds
from ..errors import UsageError
from . import (
    cleanup_commands,
    engine_commands,
    msc_run,
    package_commands,
    presence_commands,
    run_records,
    session_commands,
)


def _seconds(text: str) -> float | None:
    try:
        return seconds(float(text), "--timeout")
    except (ValueError, UsageError) as exc:
        said = str(exc).removeprefix("--timeout ") if isinstance(exc, UsageError) else ""
        raise argparse.ArgumentTypeError(said or f"must be a number of seconds, not {text!r}") from None


class _CommandParser(argparse.ArgumentParser):
    """A command's parser: an option it does not know is its error, said under its own usage
    (argparse would hand it up to `msc`'s and print the top-level usage instead)."""

    def parse_known_args(self, args=None, namespace=None):
        self._given = list(args or [])
        parsed, extra = super().parse_known_args(args, namespace)
        if extra:
            self.error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed, extra

    def error(self, message: str):
        """`msc run --bogus` names --bogus, not the FILE it then lacks."""
        unknown = [a for a in getattr(self, "_given", []) if a.startswith("--") and a != "--"
                   and a.split("=", 1)[0] not in self._option_string_actions]
        if unknown and message.startswith("the following arguments are required"):
            message = f"unrecognized arguments: {' '.join(unknown)}"
        super().error(message)


# What people type from other tools, and msc's word for it.
OTHER_WORDS = {"follow": "logs --follow SESSION", "attach": "logs --follow SESSION", "tail": "logs --follow SESSION",
               "ps": "ls", "list": "ls", "status": "ls", "exec": "run -s SESSION FILE", "start": "run --new FILE",
               "new": "run --new FILE", "add": "install SESSION PACKAGE", "pip": "install SESSION PACKAGE",
               "remove": "rm", "delete": "rm", "stop": "rm", "prune": "clean", "copy": "cp", "help": "--help",
               "version": "--version"}


def command_names(parser: argparse.ArgumentParser) -> list[str]:
    return [name for action in parser._subparsers._group_actions for name in action.choices]  # type: ignore[union-attr]


def unknown_command(word: str, commands: list[str]) -> str:
    """One line for a first word that is no command: msc's word for it, when it has one."""
    import difflib

    close = difflib.get_close_matches(word, commands, n=1)
    hint = f"msc {OTHER_WORDS[word]}" if word in OTHER_WORDS else f"msc {close[0]}" if close else ""
    return (f"unknown command {word!r}" + (f"; did you mean `{hint}`?" if hint else "")
            + " (msc --help lists the commands)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msc", description="Minimal Stable Containers: iterate on Python code in persistent Docker "
                                "containers. Without a command, opens the TUI.")
    parser.add_argument("--version", action="version", version=f"msc {__version__}")
    parser.add_argument("--context", metavar="NAME", help="the Docker context to use (wins over DOCKER_HOST)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    def json_flag(p):
        p.add_argument("--json", action="store_true", help="print one JSON document, nothing else")

    def raw_flag(p):
        p.add_argument("--raw", action="store_true",
                       help="pass escape sequences from the session to this terminal as they are "
                            "(by default they are shown as text, like cat -v)")

    p = command("run", msc_run.run, "run a Python file (or - for stdin) in a dev session")
    p.add_argument("file", help="the Python file to run, or - to read the code from stdin")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--session", "-s", metavar="NAME", help="session id or container name to run in")
    which.add_argument("--new", action="store_true", help="always start a new session")
    p.add_argument("--app-type", choices=APP_TYPES, help="app type of a new session (default: detected)")
    p.add_argument("--task", help="what the code is for, to detect the app type of a new session")
    p.add_argument("--network", choices=NETWORK_POLICIES, help="network policy of a new session")
    p.add_argument("--timeout", type=_seconds, metavar="S", help="kill the program after S seconds (exit 124)")
    p.add_argument("--auto-install", action="store_true",
                   help="install missing modules and rerun (the correction flow)")
    p.add_argument("--name", metavar="FILE.py", help="session file name (default: the file's name or main.py)")
    p.add_argument("--tty", action="store_true",
                   help="give the program a full terminal (curses, readline); stdout and stderr merge")
    json_flag(p)

    p = command("history", run_records.history, "list a session's runs (anyone's, kept in the session)")
    p.add_argument("session", help="session id or container name (of any MSC_HOME)")
    raw_flag(p)
    json_flag(p)

    p = command("logs", run_records.logs, "print a run's output; --follow shows runs live as anyone starts them")
    p.add_argument("session", help="session id or container name (of any MSC_HOME)")
    p.add_argument("run", nargs="?", default="latest", help="run id (default: the latest run)")
    p.add_argument("--follow", "-f", action="store_true",
                   help="keep going: the run as it streams (with RUN), or every run from now on")
    raw_flag(p)
    json_flag(p)

    p = command("who", presence_commands.who,
                "who is in a session: who follows it (TUI, logs --follow) and whose runs are going")
    p.add_argument("session", help="session id or container name (of any MSC_HOME)")
    raw_flag(p)
    json_flag(p)

    p = command("install", package_commands.install, "install packages into a session")
    p.add_argument("session")
    p.add_argument("specs", nargs="+", metavar="SPEC", help="requirement specs, e.g. pandas 'numpy>=2'")
    json_flag(p)

    p = command("uninstall", package_commands.uninstall, "uninstall packages from a session")
    p.add_argument("session")
    p.add_argument("specs", nargs="+", metavar="NAME")
    json_flag(p)

    p = command("packages", package_commands.packages, "list the packages a session really has")
    p.add_argument("session")
    p.add_argument("--requirements", action="store_true", help="print them as requirements.txt")
    json_flag(p)

    p = command("ls", session_commands.ls, "list sessions and their containers")
    p.add_argument("--all", action="store_true", help="also containers msc did not create")
    p.add_argument("--size", action="store_true",
                   help="also each container's disk size and its warm servers' memory (slower)")
    json_flag(p)

    p = command("rm", session_commands.rm, "remove sessions' containers (and their records)")
    p.add_argument("sessions", nargs="+", metavar="SESSION")
    p.add_argument("--keep-record", action="store_true", help="keep the record so `msc restore` works")
    p.add_argument("--force", action="store_true",
                   help="also another MSC_HOME's session or a container msc did not make")
    json_flag(p)

    p = command("df", cleanup_commands.df, "what msc uses on this engine and in MSC_HOME, and what is reclaimable")
    json_flag(p)

    p = command("clean", cleanup_commands.clean, "remove this home's old sessions, unused images, cache, stale records")
    p.add_argument("--sessions", action="store_true", help="this home's sessions (the default kind)")
    p.add_argument("--pool", action="store_true",
                   help="the warm pool's sessions (made ahead, unused; with --sessions, the default)")
    p.add_argument("--images", action="store_true",
                   help="images msc built that no container uses, keeping per app type the newest "
                        "and the one the current settings build")
    p.add_argument("--all-images", action="store_true", help="images, those kept by --images too")
    p.add_argument("--cache", action="store_true", help="this home's package cache volume")
    p.add_argument("--records", action="store_true",
                   help="records whose container is gone, and session files of removed sessions")
    p.add_argument("--everything", action="store_true", help="every kind")
    p.add_argument("--older-than", metavar="DURATION",
                   help="last used longer ago than this (90s, 30m, 12h, 7d), for each kind")
    p.add_argument("--stopped", action="store_true", help="only sessions whose container is not running")
    p.add_argument("--dry-run", action="store_true", help="list what would go and the space it frees")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    json_flag(p)

    p = command("cp", session_commands.cp, "copy files between here and a session (S:/app/path), like docker cp")
    p.add_argument("source", metavar="SRC", help="a local path, or SESSION:PATH (inside /app or /tmp)")
    p.add_argument("target", metavar="DST", help="a local path, or SESSION:PATH (inside /app or /tmp)")
    json_flag(p)

    p = command("files", session_commands.files, "list the files in a session's /app")
    p.add_argument("session")
    json_flag(p)

    p = command("build", engine_commands.build, "build (once) the image for an app type")
    p.add_argument("--app-type", choices=APP_TYPES, default=None, help="default: the configured one")
    p.add_argument("--dockerfile", action="store_true", help="print the rendered Dockerfile and exit")
    json_flag(p)

    p = command("fork", session_commands.fork,
                "a new session with a session's files (/app), packages, app type and network policy; "
                "not its runs (the source keeps running)")
    p.add_argument("session", help="session id or container name (of any MSC_HOME)")
    p.add_argument("--name", metavar="ID", help="the new session's id: 1-32 lower-case letters and digits "
                                                "(default: one made up, like any session's)")
    json_flag(p)

    p = command("restore", session_commands.restore, "recreate a session whose container was removed")
    p.add_argument("session")
    json_flag(p)

    p = command("shell", session_commands.shell, "open an interactive shell in a session as appuser")
    p.add_argument("session")

    command("mcp", engine_commands.mcp, "serve msc's tools to an AI agent over the Model Context Protocol (stdio)")

    p = command("doctor", engine_commands.doctor, "check the engine, the base image and msc's paths")
    json_flag(p)
    return parser
