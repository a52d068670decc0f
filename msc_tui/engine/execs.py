"""Streaming exec with a real exit code, a timeout, and a kill that reaches the whole tree.

Docker has no API to kill an exec: closing the stream leaves the program running. So every
exec is tagged with an environment variable (inherited by every child it starts, daemons
included), and a timeout or a cancellation runs a second exec that SIGKILLs every process
carrying the tag, until none is left.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from typing import Callable

import aiodocker

from ..errors import CommandNotFound, MscError
from .errors import engine_errors

STDOUT, STDERR = 1, 2
TAG_VARIABLE = "MSC_EXEC_TAG"
YIELD_EVERY_S = 0.01

OnOutput = Callable[[int, bytes], None]

# Runs as the exec's user; needs only sh, grep and kill (present in any Debian image).
_KILL_SCRIPT = (
    'for round in 1 2 3 4 5; do found=; '
    'for p in /proc/[0-9]*; do '
    'if grep -qzx "$0=$1" "$p/environ" 2>/dev/null; then kill -9 "${p#/proc/}" 2>/dev/null; found=1; fi; '
    'done; [ -z "$found" ] && exit 0; sleep 0.05; done'
)


class ExecChannel:
    """An exec with its stdin attached: write bytes in, read (stream, bytes) messages out.

    For programs that speak a protocol over their stdin and stdout (msc's session runner)."""

    def __init__(self, execution, stream, container: str, endpoint: str, tag: str):
        self._execution = execution
        self._stream = stream
        self._where = (f"container {container}", endpoint)
        self.container = container
        self.tag = tag
        self._first = True

    async def write(self, data: bytes) -> None:
        with engine_errors(*self._where):
            await self._stream.write_in(data)

    async def read(self) -> tuple[int, bytes] | None:
        """The next message, or None when the program's output has ended."""
        with engine_errors(*self._where):
            message = await self._stream.read_out()
        if message is None:
            return None
        if self._first and message.data.startswith(b"OCI runtime exec failed"):
            raise CommandNotFound(_runtime_failure(message.data))
        self._first = False
        return message.stream, message.data

    async def exit_code(self) -> int | None:
        with engine_errors(*self._where):
            return (await self._execution.inspect())["ExitCode"]

    async def close(self) -> None:
        try:
            await self._stream.close()
        except Exception:  # the connection may be gone with the engine; nothing to keep
            pass


@dataclass
class ExecResult:
    exit_code: int | None  # None when the program was killed before it reported one
    timed_out: bool
    duration_s: float


class Execs:
    def __init__(self, docker: aiodocker.Docker, endpoint: str):
        self._docker = docker
        self._endpoint = endpoint

    async def run(
        self,
        container: str,
        argv: list[str],
        on_output: OnOutput,
        *,
        user: str = "",
        workdir: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> ExecResult:
        """Run argv, calling on_output(stream, bytes) per frame as it arrives.

        On timeout the program's tree is killed and timed_out is set. If the caller is
        cancelled, the tree is killed too before the cancellation propagates.
        """
        tag = secrets.token_hex(8)
        env = {**(env or {}), TAG_VARIABLE: tag}
        started = time.monotonic()
        with engine_errors(f"container {container}", self._endpoint):
            execution = await self._docker.containers.container(container).exec(
                argv, user=user, workdir=workdir, environment=env
            )
        timed_out = False
        try:
            try:
                async with asyncio.timeout(timeout):
                    await self._pump(execution, on_output, container)
            except TimeoutError:
                timed_out = True
                await self.kill_tagged(container, tag, user)
        except asyncio.CancelledError:
            await asyncio.shield(self._kill_on_the_way_out(container, tag, user))
            raise
        duration = time.monotonic() - started
        if timed_out:
            return ExecResult(None, True, duration)
        with engine_errors(f"container {container}", self._endpoint):
            exit_code = (await execution.inspect())["ExitCode"]
        return ExecResult(exit_code, False, duration)

    async def open(self, container: str, argv: list[str], *, user: str = "", workdir: str | None = None,
                   env: dict[str, str] | None = None) -> ExecChannel:
        """Start argv with stdin attached; the caller closes the channel."""
        tag = secrets.token_hex(8)
        with engine_errors(f"container {container}", self._endpoint):
            execution = await self._docker.containers.container(container).exec(
                argv, user=user, workdir=workdir, environment={**(env or {}), TAG_VARIABLE: tag}, stdin=True
            )
            stream = execution.start(detach=False)
            await stream.__aenter__()
        return ExecChannel(execution, stream, container, self._endpoint, tag)

    async def _pump(self, execution, on_output: OnOutput, container: str) -> None:
        first = True
        # read_out() does not suspend while data is buffered: a flood of output would hold
        # the event loop (and a UI on it). Yield at least every YIELD_EVERY_S.
        last_yield = time.monotonic()
        with engine_errors(f"container {container}", self._endpoint):
            async with execution.start(detach=False) as stream:
                while (message := await stream.read_out()) is not None:
                    if first and message.data.startswith(b"OCI runtime exec failed"):
                        raise CommandNotFound(_runtime_failure(message.data))
                    first = False
                    on_output(message.stream, message.data)
                    if time.monotonic() - last_yield > YIELD_EVERY_S:
                        await asyncio.sleep(0)
                        last_yield = time.monotonic()

    async def output(self, container: str, argv: list[str], *, user: str = "",
                     timeout: float | None = 60, env: dict[str, str] | None = None) -> tuple[int | None, str, str]:
        """Run argv to completion and return (exit code, stdout, stderr) as text (see ExecResult)."""
        chunks: dict[int, list[bytes]] = {STDOUT: [], STDERR: []}
        result = await self.run(container, argv, lambda s, d: chunks[s].append(d),
                                user=user, timeout=timeout, env=env)
        text = {s: b"".join(c).decode("utf-8", "replace") for s, c in chunks.items()}
        return (124 if result.timed_out else result.exit_code), text[STDOUT], text[STDERR]

    async def _kill_on_the_way_out(self, container: str, tag: str, user: str) -> None:
        """A cancelled exec's kill, best effort: the container may be paused or gone and the engine
        closing (the TUI quitting); its failure must neither replace the cancellation nor, when the
        caller is cancelled again and no longer waits, end up as an unretrieved task exception."""
        try:
            await self.kill_tagged(container, tag, user)
        except MscError:
            pass

    async def kill_tagged(self, container: str, tag: str, user: str = "") -> None:
        """SIGKILL every process started by the exec with this tag (children included)."""
        with engine_errors(f"container {container}", self._endpoint):
            execution = await self._docker.containers.container(container).exec(
                ["sh", "-c", _KILL_SCRIPT, TAG_VARIABLE, tag], user=user
            )
            async with asyncio.timeout(10):
                await execution.start(detach=True)
                while (await execution.inspect())["Running"]:
                    await asyncio.sleep(0.02)


def _runtime_failure(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    # '... exec: "nope": executable file not found in $PATH: unknown' -> the useful tail
    marker = text.find("exec: ")
    return text[marker + 6:].removesuffix(": unknown") if marker >= 0 else text
