"""The runner's entry: one mode per exec (`python3 -S -c <boot> MODE ARGS...`, core/runs.py).

run, serve and stop run as root, who keeps the records and hands programs to a worker that
becomes the session's user (recorder.py; in sessions made by older versions, the session's user
runs every mode); the others as the session's user:

  run        read a config frame, fork the program, relay its input and output as frames,
             and keep the run's record and output in the session (the run history)
  serve      the warm path: run after run over one exec that a long-lived client keeps open;
             between runs it imports the third-party modules recent successful runs imported
  follow     stream runs as they happen: those going (from their start) and every new one
  logs ID    one run's record and output (--follow: until it ends)
  history    the recorded runs as a Python literal
  stop ID BY end another client's run (its whole process tree)
  who        who follows the session and the runs going in it (presence.py), as a Python literal
  here       a long-lived client (the Python API, an MCP server) listed as present until it closes

follow runs as root too, in sessions that keep their records as root: root lists the follower
(presence.py) while a child that has become the session's user streams; here, as root, only
waits for its client's stream to close (it reads no record).

A run's whole process tree carries the exec's tag (TAG_VARIABLE) in its environment, so a kill
finds daemons too; processes are frozen before they are killed so that a fork bomb cannot
outrun the kill. Each mode imports only its own modules (every exec pays for what it imports).
"""

from __future__ import annotations

import os
import sys

from . import process
from .paths import PROGRAM_USER
from .protocol import LEGACY_EXIT
from .users import enable_site, program_account


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else ""
    if mode == "here" and (os.getuid() == 0 or not PROGRAM_USER):  # (elsewhere: root's folder, unlisted)
        from .presence import attend, stay_command

        return attend(argv[1:], None, stay_command, idle="connected")
    if os.getuid() == 0 and PROGRAM_USER and mode in ("run", "serve", "stop", "follow"):
        process.account = program_account()
        if process.account is None:
            return LEGACY_EXIT
        if mode == "follow":
            from .commands import follow_command
            from .presence import attend

            return attend(argv[1:], process.account, follow_command)
        if mode != "stop":
            from .recorder import record

            os._exit(record(argv))
    process.legacy_writer = os.getuid() != 0 and mode in ("run", "serve")
    if process.legacy_writer and sys.flags.no_site:
        enable_site(user_site=True)
    if mode == "run":
        from .run import run_command

        run_command()
    if mode == "serve":
        from .server import Server

        code = Server(argv).serve()
        os._exit(code)  # the preloaded modules' atexit handlers are not the server's to run
    from .commands import follow_command, history_command, logs_command, stop_command

    if mode == "follow":  # (as the session's user: listed only where nobody else keeps the records, in tests)
        from .presence import attend

        return attend(argv[1:], None, follow_command) if not PROGRAM_USER else follow_command(argv[1:])
    if mode == "who":
        from .presence import who_command

        return who_command()
    if mode == "here":  # (as the session's user where root keeps the records: nobody to list it)
        return 0
    if mode == "logs":
        return logs_command(argv[1:])
    if mode == "history":
        return history_command()
    if mode == "stop":
        return stop_command(argv[1:])
    sys.stderr.write(f"msc runner: unknown mode {mode!r}\n")
    return 2
