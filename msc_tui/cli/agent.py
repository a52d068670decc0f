"""The run agent: one long-lived msc that runs `msc run -s ...` for short-lived `msc` processes.

It keeps what a new process would pay for again: msc's imports, the engine connection, and a
warm server in each session (core/warm_servers.py), so a run from the command line is one warm run
plus a process start. It keeps no truth of its own: each request is checked as a fresh msc
would check it (cli/agent_core.py). Each request is the CLI's own `run` command, with the asking process's
folder and streams (relayed by cli/agent_client.py). Started by agent_client.start_agent;
ends after [run] warm_idle seconds without a request, or when its socket is taken away.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io
import json
import os
import signal
import sys
import time
from pathlib import Path

from ..config import load_settings
from ..core.run_input import RunInput
from ..core.service import Msc
from ..errors import MscError, UsageError
from ..runner.protocol import HEADER_SIZE, frame, read_header
from . import failed, msc_run
from .agent_core import FreshCores
from .agent_place import address, open_file, peer_uid, private
from .arguments import check_arguments
from .console import Console, stderr, use
from .parser import build_parser
from .program_input import ProgramInput

CHECK_EVERY_S = 5.0


class _Refused(Exception):
    """Arguments the agent leaves to the usual path (which prints argparse's own message)."""


def _parse(argv: list[str]):
    """The CLI's own parser; what it rejects, the usual path says (argparse prints and exits)."""
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            args = build_parser().parse_args(argv)
    except SystemExit:
        raise _Refused() from None
    if args.command != "run" or not (args.session or args.new) or args.tty or args.context:
        raise _Refused()
    try:
        check_arguments(args)
    except UsageError:
        raise _Refused() from None
    return args


class _Stream:
    """A text stream whose writes become frames to the asking process."""

    def __init__(self, writer: asyncio.StreamWriter, kind: bytes):
        self._writer, self._kind = writer, kind

    def write(self, text: str) -> int:
        if text and not self._writer.is_closing():
            self._writer.write(frame(self._kind, text.encode("utf-8", "surrogateescape")))
        return len(text)

    def flush(self) -> None:
        pass


class _RelayedInput(ProgramInput):
    """The program's stdin and Ctrl-C as the asking process relays them (no fd 0, no signals
    here). Input that arrives before the run starts is kept for it."""

    def __init__(self, err: _Stream):
        super().__init__(RunInput(), forward_stdin=True, err=err)
        self._pending: list[bytes | None] = []  # None: end of input

    def __call__(self, controls: RunInput, forward_stdin: bool, raw_terminal: bool = False) -> "_RelayedInput":
        self.controls, self.forward_stdin = controls, forward_stdin
        return self

    def start(self) -> None:
        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        if not self.forward_stdin:
            self.controls.eof()
        for data in self._pending:
            self.take(data)
        self._pending = []

    def take(self, data: bytes | None) -> None:
        if self._task is None:
            self._pending.append(data)
        elif self.forward_stdin:
            self.controls.send(data) if data is not None else self.controls.eof()

    def interrupt(self) -> None:
        if self._task is not None:
            self._interrupt()

    def stop(self) -> None:
        pass


class Agent:
    def __init__(self, folder: int, name: str, cores: FreshCores):
        self.folder, self.name, self.cores = folder, name, cores
        self.inode = 0  # of the socket this agent bound
        self.active = 0
        self.last_request = time.monotonic()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if peer_uid(writer.get_extra_info("socket")) != os.getuid():
                return
            kind, payload = await _read(reader)
            if kind != b"R":
                return
            request = json.loads(payload)
            try:
                args = _parse(request["argv"])
            except _Refused:
                writer.write(frame(b"F"))
                return
            writer.write(frame(b"A"))
            self.active += 1
            try:
                code = await self._run(args, request, reader, writer)
            finally:
                self.active -= 1
                self.last_request = time.monotonic()
            writer.write(frame(b"X", json.dumps({"exit_code": code}).encode()))
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, ValueError, KeyError):
            pass
        finally:
            writer.close()

    async def _run(self, args, request: dict, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int | None:
        err = _Stream(writer, b"e")
        relayed = _RelayedInput(err)
        code_in: list[bytes] = []  # `msc run -`: the code is all of stdin
        stdin_done = asyncio.Event()
        outputs = frozenset((int(dev), int(ino)) for dev, ino in request.get("outputs", []))
        console = Console(_Stream(writer, b"O"), err, bool(request.get("stdin_isatty")),
                          lambda n: b"".join(code_in)[:n], relayed, outputs, bool(request.get("stdout_isatty")),
                          str(request.get("term") or "")[:64])

        use(console)  # this connection's task, and the two below

        async def answer() -> int | None:
            if args.file == "-":
                await stdin_done.wait()
            try:
                async with self.cores.request() as (msc, warnings):
                    for warning in warnings:
                        print(f"msc: {warning}", file=stderr())
                    return await msc_run.run(args, msc, Path(request["cwd"]))
            except MscError as exc:
                return failed(args, str(exc), exc.exit_code)
            except Exception as exc:  # a bug: one line, as the usual path says it
                return failed(args, f"unexpected error: {type(exc).__name__}: {exc}", 1)

        task = asyncio.create_task(answer())
        listening = asyncio.create_task(self._listen(reader, args.file == "-", code_in, stdin_done, relayed))
        await asyncio.wait({task, listening}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():  # the asking process went away: as a killed msc, the program is killed
            relayed.controls.kill()
            try:
                async with asyncio.timeout(10):
                    await asyncio.shield(task)
            except Exception:  # not ended in time, or ended with an error: stop waiting
                task.cancel()
        listening.cancel()
        return task.result() if task.done() and not task.cancelled() else 130

    @staticmethod
    async def _listen(reader, code_on_stdin: bool, code_in: list[bytes], stdin_done: asyncio.Event,
                      relayed: _RelayedInput) -> None:
        """Frames from the asking process, until it goes away."""
        while True:
            try:
                kind, payload = await _read(reader)
            except (asyncio.IncompleteReadError, OSError):
                return
            if kind == b"I":
                code_in.append(payload) if code_on_stdin and not stdin_done.is_set() else relayed.take(payload)
            elif kind == b"E":
                if code_on_stdin and not stdin_done.is_set():
                    stdin_done.set()
                else:
                    relayed.take(None)
            elif kind == b"S":
                relayed.interrupt()

    async def watch(self) -> None:
        """Until idle for warm_idle seconds, or the socket is no longer ours."""
        idle = self.cores.settings.warm_idle or 900.0
        while True:
            await asyncio.sleep(CHECK_EVERY_S)
            try:
                if self.socket_inode() != self.inode:
                    return
            except OSError:
                return
            if not self.active and time.monotonic() - self.last_request > idle:
                return

    def socket_inode(self) -> int:
        """Of the socket now at this agent's name in its folder (another agent's after a restart)."""
        return os.stat(self.name, dir_fd=self.folder, follow_symlinks=False).st_ino


async def _read(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    kind, length = read_header(await reader.readexactly(HEADER_SIZE))
    return kind, (await reader.readexactly(length) if length else b"")


async def serve(folder: int, name: str) -> None:
    # SIGTERM ends the agent as its idle end does: the warm pool's half-made session undone, the rest closed
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)  # type: ignore[union-attr]
    settings = load_settings()
    cores = FreshCores(settings, await Msc.open(settings, warm=True))
    agent = Agent(folder, name, cores)
    try:
        try:
            os.unlink(name, dir_fd=folder)  # a dead agent's (the lock says no live one holds it)
        except FileNotFoundError:
            pass
        server = await asyncio.start_unix_server(agent.handle, path=address(folder, name))
        os.chmod(address(folder, name), 0o600)
        agent.inode = agent.socket_inode()
        async with server:
            await agent.watch()
    finally:
        try:
            if agent.socket_inode() == agent.inode:
                os.unlink(name, dir_fd=folder)
        except OSError:
            pass
        await cores.close()


def main(folder: int, name: str, shown: str) -> int:
    """`folder`: the agents' folder as the starting client opened and checked it (agent_place.py)."""
    if not private(folder):
        print(f"msc agent: {shown} is not yours alone; not serving", file=sys.stderr)
        return 1
    lock = os.fdopen(open_file(folder, name.removesuffix(".sock") + ".lock", os.O_RDWR), "r+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return 0  # another agent serves this socket
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")  # who serves it, for whoever needs to stop it
    lock.flush()
    try:
        asyncio.run(serve(folder, name))
    except asyncio.CancelledError:  # SIGTERM
        return 0
    except MscError as exc:
        print(f"msc agent: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
