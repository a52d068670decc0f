"""The MCP server: the SDK's MCPServer over stdio, one per client, with msc's tools.

Each tool's schema comes from its signature; its description teaches the correction loop.
Results are structured content (the tool's dict); a refusal or a bad argument is a tool
error (isError) with msc's one line, never a protocol error or a traceback.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Annotated, Any, Awaitable, Callable, cast

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.stdio import stdio_server
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field, ValidationError

from ..errors import MscError
from .calls import Progress, Send, detached
from .pipes import piped, stdio_pipes
from .tools import Tools

INSTRUCTIONS = """\
msc runs Python in small, persistent Docker containers ("sessions"): what you install or write
in a session stays for the next run. The loop: create_session once (or pick one from
list_sessions), then run_code. When a run fails on an import, its result names what to install
in `missing_packages` (distributions, mapped from the module names) and `unresolved_imports`
(names msc could not map); call install_packages with them and run again, or pass
auto_install: true to run_code and msc installs and reruns by itself. stdout and stderr come
apart with the real exit_code and the last exception in `error`; long output is capped
(stdout_truncated / stderr_truncated) and run_output reads all of it."""

SESSION = Annotated[str, Field(description="the session's id or container name (list_sessions lists them)")]
ToolWork = Callable[[Progress], Awaitable[dict]]

log = logging.getLogger("msc.mcp")


def _sender(ctx: Context) -> Send | None:
    """Progress goes out only when the client gave a token for this request."""
    if (ctx.request_context.meta or {}).get("progress_token") is None:
        return None

    async def send(progress: float, message: str) -> None:
        await ctx.report_progress(progress, None, message)
    return send


async def _call(ctx: Context, what: str, work: ToolWork) -> CallToolResult:
    """The tool's dict as structured content, and as compact JSON text for clients that read only text."""
    progress = Progress(_sender(ctx), what)
    try:
        result = await detached(work(progress), progress)
    except MscError as exc:
        raise ToolError(_one_line(str(exc))) from None
    except Exception as exc:  # a bug: still one line for the model, the traceback on stderr
        log.exception("msc mcp: %s failed", what)
        raise ToolError(_one_line(f"unexpected error: {type(exc).__name__}: {exc}")) from None
    text = json.dumps(result, ensure_ascii=False)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=result)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Server(MCPServer):
    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        """The SDK's own refusal of arguments that fail the schema, as one line too."""
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                raise ToolError(bad_arguments(name, exc.__cause__)) from None
            raise

    async def run_stdio_async(self) -> None:
        """The SDK's, on asyncio's pipes (pipes.py) when stdin and stdout are pipes, as clients start us."""
        if not (piped(0) and piped(1)):
            return await super().run_stdio_async()
        async with stdio_pipes() as (lines, output), stdio_server(cast(Any, lines), cast(Any, output)) as (read, write):
            server = self._lowlevel_server  # what the SDK's own run_stdio_async runs, on other streams
            await server.run(read, write, server.create_initialization_options())


def bad_arguments(tool: str, error: ValidationError) -> str:
    """'bad arguments to run_code: timeout: Input should be a valid number; session: Field required'"""
    problems = [f"{'.'.join(str(part) for part in e['loc']) or 'arguments'}: {e['msg']}" for e in error.errors()]
    return f"bad arguments to {tool}: {'; '.join(problems)}"


def build(tools: Tools) -> MCPServer:
    server = _Server("msc", instructions=INSTRUCTIONS, log_level="WARNING")
    reading = ToolAnnotations(read_only_hint=True)

    @server.tool(description="Make a new session (a container with its own venv and /app). Returns its id: "
                             "pass it as `session` to the other tools. Building the image the first time takes "
                             "a while (progress is reported).")
    async def create_session(
            ctx: Context,
            app_type: Annotated[str | None, Field(description="basic_app, data_science, web_app, ...; "
                                                              "default: detected from `task`")] = None,
            task: Annotated[str | None, Field(description="what the code is for, to choose the app type")] = None,
            network: Annotated[str | None, Field(description="network policy: install-only (the default: "
                                                             "only installs reach the package index), "
                                                             "full or none")] = None) -> CallToolResult:
        return await _call(ctx, "create_session",
                           lambda progress: tools.create_session(app_type, task, network, progress))

    @server.tool(description="Make a new session that starts from another's state: its files (/app), "
                             "installed packages, app type and network policy, not its runs. The source keeps "
                             "running. Returns the new session's id: try two fixes from the same state.")
    async def fork_session(
            ctx: Context, session: SESSION,
            name: Annotated[str | None, Field(description="the new session's id: 1-32 lower-case letters and "
                                                          "digits (default: one made up)")] = None) -> CallToolResult:
        return await _call(ctx, "fork_session", lambda _: tools.fork_session(session, name))

    @server.tool(description="This msc home's sessions, the most recently used first: id (`session`), "
                             "container name, status, app type, packages count, last run.",
                 annotations=reading)
    async def list_sessions(ctx: Context) -> CallToolResult:
        return await _call(ctx, "list_sessions", lambda _: tools.list_sessions())

    @server.tool(description="Run Python code in a session; it waits for the program to end. The result: "
                             "success, exit_code (real), stdout and stderr (apart; each capped to its first and "
                             "last 32 KiB, with stdout_truncated / stderr_truncated), error {name, value, "
                             "traceback}, run_id, changed_files (what the program wrote under /app). When an "
                             "import fails, `missing_packages` names the distributions to install: call "
                             "install_packages with them and run again (or pass auto_install: true). "
                             "`unresolved_imports`, `suggestions` and `hints` say what msc could not map.")
    async def run_code(
            ctx: Context, session: SESSION,
            code: Annotated[str | None, Field(description="the program's text (give code or path)")] = None,
            path: Annotated[str | None, Field(description="a .py file already in the session's /app "
                                                          "(e.g. from write_file) to run instead of code")] = None,
            stdin: Annotated[str | None, Field(description="the program's whole standard input "
                                                           "(default: empty)")] = None,
            timeout: Annotated[float | None, Field(description="seconds before the program is killed "
                                                               "(exit_code 124, timed_out)")] = None,
            auto_install: Annotated[bool, Field(description="install missing packages and rerun, round "
                                                            "after round, until the imports resolve")] = False,
            filename: Annotated[str | None, Field(description="the file name the code runs as under /app "
                                                              "(default main.py)")] = None) -> CallToolResult:
        return await _call(ctx, "run_code", lambda progress: tools.run_code(
            session, code, path, stdin, timeout, auto_install, filename, progress))

    @server.tool(description="Install packages (requirement specs: 'pandas', 'numpy>=2', 'requests[socks]') "
                             "into a session's venv; then rerun. Returns what the session now has.")
    async def install_packages(
            ctx: Context, session: SESSION,
            packages: Annotated[list[str], Field(description="requirement specs, e.g. the run's "
                                                             "missing_packages")]) -> CallToolResult:
        return await _call(ctx, "install_packages",
                           lambda progress: tools.install_packages(session, packages, progress))

    @server.tool(description="The packages a session really has (name==version) and those asked for.",
                 annotations=reading)
    async def list_packages(ctx: Context, session: SESSION) -> CallToolResult:
        return await _call(ctx, "list_packages", lambda _: tools.list_packages(session))

    @server.tool(description="Files in a session's folder (/app by default; /app and /tmp only): "
                             "path, size, modified.", annotations=reading)
    async def list_files(
            ctx: Context, session: SESSION,
            path: Annotated[str | None, Field(description="a folder inside /app or /tmp")] = None) -> CallToolResult:
        return await _call(ctx, "list_files", lambda _: tools.list_files(session, path))

    @server.tool(description="Read a file of a session (inside /app or /tmp; relative paths are under /app). "
                             "Text comes as UTF-8, anything else as base64 (`encoding`).", annotations=reading)
    async def read_file(
            ctx: Context, session: SESSION, path: Annotated[str, Field(description="the file's path")],
            max_bytes: Annotated[int | None, Field(description="at most this many bytes (default 65536)")] = None,
    ) -> CallToolResult:
        return await _call(ctx, "read_file", lambda _: tools.read_file(session, path, max_bytes))

    @server.tool(description="Write a text file into a session (inside /app or /tmp; relative paths are under "
                             "/app; folders are made), e.g. data or modules the code reads.")
    async def write_file(
            ctx: Context, session: SESSION, path: Annotated[str, Field(description="the file's path")],
            content: Annotated[str, Field(description="the whole file")]) -> CallToolResult:
        return await _call(ctx, "write_file", lambda _: tools.write_file(session, path, content))

    @server.tool(description="A session's recent runs, anyone's, oldest first: id, by, face, file, state "
                             "(going, finished, lost), exit_code, duration.", annotations=reading)
    async def run_history(
            ctx: Context, session: SESSION,
            limit: Annotated[int | None, Field(description="the last this many runs (default 20)")] = None,
    ) -> CallToolResult:
        return await _call(ctx, "run_history", lambda _: tools.run_history(session, limit))

    @server.tool(description="A slice of one run's whole output, for a result whose stdout or stderr was "
                             "truncated: `data` from byte `offset`, `next_offset` for the next call, `eof`.",
                 annotations=reading)
    async def run_output(
            ctx: Context, session: SESSION, run: Annotated[int, Field(description="the run's run_id")],
            stream: Annotated[str, Field(description="stdout or stderr")] = "stdout",
            offset: Annotated[int, Field(description="byte offset to start at")] = 0,
            max_bytes: Annotated[int | None, Field(description="at most this many bytes (default 65536)")] = None,
    ) -> CallToolResult:
        return await _call(ctx, "run_output", lambda _: tools.run_output(session, run, stream, offset, max_bytes))

    @server.tool(description="Stop the runs going in a session (whoever started them); their process trees "
                             "are killed. Returns the run ids stopped.")
    async def stop_run(ctx: Context, session: SESSION) -> CallToolResult:
        return await _call(ctx, "stop_run", lambda _: tools.stop_run(session))

    @server.tool(description="Remove a session: its container and everything in it. Does nothing unless "
                             "confirm is true.", annotations=ToolAnnotations(destructive_hint=True))
    async def remove_session(
            ctx: Context, session: SESSION,
            confirm: Annotated[bool, Field(description="true to really remove it")] = False) -> CallToolResult:
        return await _call(ctx, "remove_session", lambda _: tools.remove_session(session, confirm))

    return server


async def serve() -> int:
    """Serve one client on stdin and stdout until it goes; then end this server's warm runners."""
    tools = Tools()
    try:
        await build(tools).run_stdio_async()
    finally:
        await asyncio.shield(tools.close())
    return 0
