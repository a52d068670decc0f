"""The MCP server's pure parts: capping, slicing, argument checks, the outputs kept, and the
SDK's schema refusals as one line (the whole server is driven over stdio in tests/integration)."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest

from msc_tui.errors import UsageError
from msc_tui.mcp.kept import KeptOutputs
from msc_tui.mcp.shaping import (
    cap,
    file_content,
    file_target,
    output_slice,
    read_limit,
    session_script,
    shape_run,
)


def test_a_long_text_keeps_its_first_and_last_bytes_and_says_what_was_left_out():
    text = "a" * 100 + "-" * 50 + "c" * 100
    capped, truncated = cap(text, head=100, tail=100)
    assert truncated and capped.startswith("a" * 100) and capped.endswith("c" * 100)
    assert "-" not in capped and "[... 50 bytes left out ...]" in capped
    assert cap("short", head=100, tail=100) == ("short", False)
    assert cap("x" * 200, head=100, tail=100) == ("x" * 200, False)  # exactly the limit: whole


def test_capping_counts_utf8_bytes_and_never_splits_a_character():
    text = "é" * 100  # 200 bytes
    capped, truncated = cap(text, head=5, tail=5)
    assert truncated and capped.startswith("éé\n") and capped.endswith("\néé")  # 5 bytes: two whole "é"


def test_a_run_result_keeps_its_keys_and_gains_the_truncation_flags():
    result = {"stdout": "o" * 70_000, "stderr": "e", "run_id": 7, "exit_code": 1, "success": False,
              "missing_packages": ["pyyaml"],
              "error": {"name": "ValueError", "value": "x", "traceback": "T" * 70_000}}
    shaped = shape_run(result, "abc")
    assert set(shaped) == set(result) | {"stdout_truncated", "stderr_truncated"}
    assert shaped["stdout_truncated"] and not shaped["stderr_truncated"] and shaped["stderr"] == "e"
    assert "run_output(session='abc', run=7, stream='stdout'" in shaped["stdout"]
    assert len(shaped["stdout"].encode()) < 66 * 1024 and len(shaped["error"]["traceback"]) < 66 * 1024
    assert shaped["error"]["name"] == "ValueError" and shaped["missing_packages"] == ["pyyaml"]
    assert result["stdout"] == "o" * 70_000  # the caller's result is left whole (kept for run_output)


def test_output_slices_walk_a_stream_by_bytes():
    text = "héllo wörld"
    first = output_slice(text, 0, 4)
    assert first == {"offset": 0, "size": 13, "data": "hél", "next_offset": 4, "eof": False}
    rest = output_slice(text, first["next_offset"], 100)
    assert rest["data"] == "lo wörld" and rest["eof"] and rest["next_offset"] == 13
    assert output_slice(text, 13, 5)["data"] == "" and output_slice(text, 13, 5)["eof"]
    with pytest.raises(UsageError, match="past the end"):
        output_slice(text, 14, 5)


def test_files_come_as_text_or_base64():
    assert file_content(b"hello", 100) == {"size": 5, "content": "hello", "encoding": "utf-8", "truncated": False}
    cut = file_content("aé".encode() * 3, 4)  # the limit falls inside the second "é"
    assert cut["content"] == "aéa" and cut["encoding"] == "utf-8" and cut["truncated"]
    binary = file_content(b"\x89PNG\x00\xff", 100)
    assert binary["encoding"] == "base64" and base64.b64decode(binary["content"]) == b"\x89PNG\x00\xff"


def test_paths_stay_inside_app_and_tmp():
    assert session_script("tool.py") == "tool.py" and session_script("/app/pkg/tool.py") == "pkg/tool.py"
    for bad in ("/tmp/x.py", "/etc/x.py", "../x.py", "/app/data.csv"):
        with pytest.raises(UsageError):
            session_script(bad)
    assert file_target("data/a.csv") == "/app/data/a.csv" and file_target("/tmp/x") == "/tmp/x"
    for bad in ("/etc/shadow", "/app", "/tmp/", "../../etc/passwd", "/app/../root/x"):
        with pytest.raises(UsageError, match="refused"):
            file_target(bad)


def test_read_limits():
    assert read_limit(None) == 64 * 1024 and read_limit(10) == 10
    for bad in (0, -1, 1024 * 1024 + 1):
        with pytest.raises(UsageError):
            read_limit(bad)


def test_the_kept_outputs_drop_the_oldest_past_their_limit():
    kept = KeptOutputs(limit=10)
    kept.keep("c1", 1, "aaaa", "")
    kept.keep("c1", 2, "bbbb", "")
    kept.keep("c2", 1, "cccc", "")  # 12 characters: the oldest goes
    kept.keep("c2", 2, "", "")
    kept.keep("c3", None, "never", "kept")  # a run that never got an id
    assert kept.get("c1", 1) is None and kept.get("c1", 2) == {"stdout": "bbbb", "stderr": ""}
    assert kept.get("c2", 1)["stdout"] == "cccc"
    kept.keep("c9", 1, "x" * 50, "")  # larger than the limit alone: still kept, the rest goes
    assert kept.get("c9", 1) and kept.get("c1", 2) is None and kept.size == 50
    kept.keep("c9", 1, "y", "")  # the same run again (a restored session's ids start over)
    assert kept.get("c9", 1) == {"stdout": "y", "stderr": ""} and kept.size == 1


def test_the_kept_outputs_keep_at_most_so_many_runs():
    kept = KeptOutputs(runs=3)
    for run_id in range(1, 6):
        kept.keep("c", run_id, "o", "e")
    assert [run_id for run_id in range(1, 6) if kept.get("c", run_id)] == [3, 4, 5] and kept.size == 6


async def test_arguments_that_fail_the_schema_are_one_line_tool_errors():
    from mcp.server.mcpserver.exceptions import ToolError

    from msc_tui.mcp.server import build
    from msc_tui.mcp.tools import Tools

    server = build(Tools())  # no engine is opened before a tool's own work starts
    for tool, arguments, expected in [
        ("run_code", {"session": "s", "code": "1", "timeout": "soon"},
         "bad arguments to run_code: timeout: Input should be a valid number"),
        ("run_code", {"code": "1"}, "bad arguments to run_code: session: Field required"),
        ("install_packages", {"session": "s", "packages": "pandas"},
         "bad arguments to install_packages: packages: Input should be a valid list"),
    ]:
        with pytest.raises(ToolError) as refused:
            await server.call_tool(tool, arguments)
        assert str(refused.value).startswith(expected) and "\n" not in str(refused.value)


def test_other_commands_do_not_import_the_mcp_sdk():
    code = ("import sys, msc_tui.cli, msc_tui.cli.parser; msc_tui.cli.parser.build_parser();"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('mcp', 'mcp_types', 'pydantic'));"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_protocol_pipes_keep_stray_output_off_the_wire():
    """While serving, fd 0 and fd 1 are diverted: a stray print goes to stderr, never into the
    protocol's output, and nothing else reads the protocol's input."""
    code = """
import asyncio, os, sys
from msc_tui.mcp.pipes import piped, stdio_pipes

async def main():
    assert piped(0) and piped(1)
    async with stdio_pipes() as (lines, output):
        print("stray print", flush=True)
        os.write(1, b"stray write\\n")
        assert sys.stdin.read() == ""  # fd 0 reads /dev/null now
        async for line in lines:
            await output.write("echo " + line)
            await output.flush()
    print("restored", flush=True)

asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], input="one\ntwo\n", capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "echo one\necho two\nrestored\n"
    assert "stray print\nstray write\n" in done.stderr


async def test_an_engine_that_does_not_answer_is_each_calls_one_line(tmp_path):
    """The server starts without an engine and says so per call (a client shows a dead server
    poorly); nothing on the wire but the protocol."""
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    env = {"MSC_HOME": str(tmp_path / "home"), "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "msc_tui", "mcp"], env=env)
    with open(tmp_path / "stderr", "w") as errors:
        async with stdio_client(params, errlog=errors) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            for _ in range(2):
                result = await client.call_tool("list_sessions", {})
                text = result.content[0].text
                assert result.is_error and "no-engine.sock" in text and "\n" not in text, text
    assert "Traceback" not in (tmp_path / "stderr").read_text()
