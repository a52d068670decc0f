"""stdin and stdout as asyncio pipes, for the SDK's stdio transport.

The SDK's own stdio reads and writes through worker threads (about a dozen thread hops per
call); asyncio's pipe transports take none, which halves what a call costs on top of its
work (bench/bench_mcp.py). As the SDK does, fd 0 and fd 1 are diverted while serving (to
/dev/null and to stderr), so nothing else in the process can read the protocol's input or
write into its output; they are restored afterwards.
"""

from __future__ import annotations

import asyncio
import os
import stat
from contextlib import asynccontextmanager
from typing import AsyncIterator

LINE_LIMIT = 64 * 1024 * 1024  # one JSON-RPC message per line: write_file's content can be large


class Lines:
    """The protocol's input, line after line (what the SDK iterates)."""

    def __init__(self, reader: asyncio.StreamReader):
        self.reader = reader

    def __aiter__(self) -> "Lines":
        return self

    async def __anext__(self) -> str:
        line = await self.reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", "replace")


class Output:
    """The protocol's output (what the SDK writes and flushes)."""

    def __init__(self, writer: asyncio.StreamWriter):
        self.writer = writer

    async def write(self, text: str) -> None:
        self.writer.write(text.encode())

    async def flush(self) -> None:
        await self.writer.drain()


def piped(fd: int) -> bool:
    """A pipe or a socket, as a client starts a server with (asyncio's pipes take nothing else)."""
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


@asynccontextmanager
async def stdio_pipes() -> AsyncIterator[tuple[Lines, Output]]:
    loop = asyncio.get_running_loop()
    wire_in, wire_out = os.dup(0), os.dup(1)
    saved_in, saved_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)
    try:
        reader = asyncio.StreamReader(limit=LINE_LIMIT)
        read_transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader),
                                                         os.fdopen(wire_in, "rb"))
        write_transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin,
                                                                  os.fdopen(wire_out, "wb"))
        try:
            yield Lines(reader), Output(asyncio.StreamWriter(write_transport, protocol, None, loop))
        finally:
            read_transport.close()
            write_transport.close()
    finally:
        os.dup2(saved_in, 0)
        os.dup2(saved_out, 1)
        os.close(saved_in)
        os.close(saved_out)
