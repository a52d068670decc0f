"""`msc mcp` driven by the MCP SDK's own client over stdio, against the real engine; effects
checked with docker-py and the CLI (independent of the server under test)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from tests import msc_forks
from tests.conftest import remove_home_objects
from tests.integration.test_presence import wait_for

pytestmark = pytest.mark.timeout(600)


@asynccontextmanager
async def connected():
    """A client on a fresh `msc mcp` (this test's MSC_HOME and engine)."""
    through = msc_forks.command("mcp")  # forked (tests/msc_forks.py); the entry docs/mcp.md gives is tested below
    params = StdioServerParameters(command=through[0], args=through[1:], env=dict(os.environ))
    with open(os.devnull, "w") as quiet:
        async with stdio_client(params, errlog=quiet) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            yield client


def who(env: dict, sid: str) -> list[dict]:
    done = msc_forks.run(["who", sid, "--json"], timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["present"]


async def call(client: ClientSession, tool: str, **arguments) -> dict:
    """A tool's structured result; a tool error fails the test with its line."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def refused(client: ClientSession, tool: str, **arguments) -> str:
    """A tool error's one line (a protocol error would raise instead)."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    text = result.content[0].text
    assert "\n" not in text and "Traceback" not in text
    return text


async def test_the_correction_loop_end_to_end(msc_home, docker_client, msc):
    async with connected() as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        assert listed == {"create_session", "list_sessions", "run_code", "install_packages", "list_packages",
                          "list_files", "read_file", "write_file", "run_history", "run_output", "stop_run",
                          "remove_session", "fork_session"}
        made = await call(client, "create_session", app_type="basic_app")
        sid, name = made["session"], made["container_name"]
        assert docker_client.containers.get(name).status == "running"
        assert [s["session"] for s in (await call(client, "list_sessions"))["sessions"]] == [sid]

        code = "import yaml\nprint(yaml.safe_dump({'a': 1}), end='')\n"
        failed = await call(client, "run_code", session=sid, code=code)
        assert not failed["success"] and failed["exit_code"] == 1
        assert failed["missing_packages"] == ["pyyaml"] and failed["error"]["name"] == "ModuleNotFoundError"
        assert failed["stdout_truncated"] is False and failed["run_id"] >= 1

        installed = await call(client, "install_packages", session=sid, packages=failed["missing_packages"])
        assert any(p.lower().startswith("pyyaml==") for p in installed["installed_packages"])
        rerun = await call(client, "run_code", session=sid, code=code)
        assert rerun["success"] and rerun["stdout"] == "a: 1\n" and rerun["missing_packages"] == []
        assert any(p.lower().startswith("pyyaml==")
                   for p in (await call(client, "list_packages", session=sid))["installed_packages"])
        forked = await call(client, "fork_session", session=sid, name="retry")
        assert (forked["session"], forked["forked_from"]) == ("retry", sid)
        assert (await call(client, "run_code", session="retry", code=code))["stdout"] == "a: 1\n"
        assert "is taken" in await refused(client, "fork_session", session=sid, name="retry")

    # Independently: the package is in the container, the runs in the session's history.
    probe = docker_client.containers.get(name).exec_run(["/opt/venv/bin/python", "-c", "import yaml"])
    assert probe.exit_code == 0, probe.output
    assert docker_client.containers.get("msc-dev-session-retry").labels["msc.session"] == "retry"
    history = json.loads(msc("history", sid, "--json").stdout)["runs"]
    assert [(r["id"], r["face"], r["exit_code"]) for r in history[-2:]] == [
        (failed["run_id"], "mcp", 1), (rerun["run_id"], "mcp", 0)]


async def test_auto_install_streams_apart_exit_code_and_stdin(msc_home, docker_client, new_session):
    sid = new_session()
    async with connected() as client:
        fixed = await call(client, "run_code", session=sid, auto_install=True,
                           code="import tabulate\nprint(tabulate.tabulate([[1, 2]]))\n")
        assert fixed["success"] and fixed["auto_installed"] == ["tabulate"] and "1  2" in fixed["stdout"]

        apart = await call(client, "run_code", session=sid,
                           code="import sys\nprint('to out')\nprint('to err', file=sys.stderr)\nsys.exit(3)\n")
        assert (apart["stdout"], apart["stderr"], apart["exit_code"], apart["success"]) == (
            "to out\n", "to err\n", 3, False)
        assert apart["error"] is None  # an exit code, no exception

        echoed = await call(client, "run_code", session=sid, stdin="line one\nline two\n",
                            code="import sys\nprint(sys.stdin.read().upper(), end='')\n")
        assert echoed["stdout"] == "LINE ONE\nLINE TWO\n"
        empty = await call(client, "run_code", session=sid, code="import sys\nprint(repr(sys.stdin.read()))\n")
        assert empty["stdout"] == "''\n"

        notes: list[tuple[float, str | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            notes.append((progress, message))

        slow = await client.call_tool("run_code", {"session": sid, "code": "import time\nprint('begun', flush=True)\n"
                                                   "time.sleep(3.5)\n"}, progress_callback=on_progress)
        assert slow.structured_content["success"] and len(notes) >= 2, notes
        assert [p for p, _ in notes] == sorted(p for p, _ in notes)  # progress only grows
        assert any("begun" in (m or "") for _, m in notes), notes


async def test_a_long_output_is_capped_and_read_whole_with_run_output(msc_home, new_session):
    sid = new_session()
    code = "import sys\nfor i in range(50_000):\n    sys.stdout.write(f'{i:07d} ' + 'x' * 92 + '\\n')\n"
    whole = "".join(f"{i:07d} " + "x" * 92 + "\n" for i in range(50_000))  # 5,000,000 bytes
    async with connected() as client:
        result = await call(client, "run_code", session=sid, code=code)
        assert result["success"] and result["stdout_truncated"] is True and result["stderr_truncated"] is False
        assert result["stdout"].startswith(whole[:32 * 1024]) and result["stdout"].endswith(whole[-32 * 1024:])
        assert len(result["stdout"]) < 70 * 1024 and "bytes left out" in result["stdout"]

        text, source = await read_whole(client, sid, result["run_id"])
        assert source == "server" and text == whole

    async with connected() as other:  # another server: the session's own record (about its last MiB)
        text, source = await read_whole(other, sid, result["run_id"])
        assert source == "session" and 700 * 1024 <= len(text) <= 1280 * 1024, len(text)
        assert whole.endswith(text), (text[:200], text[-200:])


async def read_whole(client: ClientSession, sid: str, run: int) -> tuple[str, str]:
    """A run's stdout slice after slice, as run_output hands it out; and where it came from."""
    pieces, offset = [], 0
    while True:
        piece = await call(client, "run_output", session=sid, run=run, offset=offset, max_bytes=1024 * 1024)
        assert piece["offset"] == offset and (piece["eof"] or piece["next_offset"] == offset + 1024 * 1024)
        pieces.append(piece["data"])
        offset = piece["next_offset"]
        if piece["eof"]:
            assert offset == piece["size"]
            return "".join(pieces), piece["source"]


async def test_files_in_and_out_stay_inside_app_and_tmp(msc_home, docker_client, new_session):
    sid = new_session()
    async with connected() as client:
        written = await call(client, "write_file", session=sid, path="data/input.csv", content="a,b\n1,2\n")
        assert written["path"] == "/app/data/input.csv"
        ran = await call(client, "run_code", session=sid,
                         code="import csv\nrows = list(csv.reader(open('data/input.csv')))\nprint(rows[1])\n"
                              "open('out.txt', 'w').write('made')\n")
        assert ran["stdout"] == "['1', '2']\n" and ran["changed_files"] == ["out.txt"]
        assert (await call(client, "read_file", session=sid, path="out.txt"))["content"] == "made"
        files = {f["path"] for f in (await call(client, "list_files", session=sid))["files"]}
        assert {"data/input.csv", "out.txt"} <= files
        await call(client, "write_file", session=sid, path="tool.py", content="print('from a file')\n")
        assert (await call(client, "run_code", session=sid, path="/app/tool.py"))["stdout"] == "from a file\n"

        assert "refused" in await refused(client, "read_file", session=sid, path="/etc/shadow")
        await call(client, "run_code", session=sid, code="import os\nos.symlink('/etc/shadow', 'link')\n")
        assert "not a regular file" in await refused(client, "read_file", session=sid, path="link")
        assert "refused" in await refused(client, "read_file", session=sid, path="../etc/passwd")
        assert "refused" in await refused(client, "write_file", session=sid, path="/etc/cron.d/x", content="x")
        assert "refused" in await refused(client, "list_files", session=sid, path="/root")
        assert "refused" in await refused(client, "install_packages", session=sid, packages=["requests; rm -rf /"])
        assert "unknown session" in await refused(client, "run_code", session="nosuch", code="print(1)")
        assert await refused(client, "run_code", session=sid) != ""  # neither code nor path
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    assert container.exec_run(["cat", "/app/data/input.csv"]).output == b"a,b\n1,2\n"
    assert container.exec_run(["test", "-e", "/etc/cron.d/x"]).exit_code == 1


async def test_remove_session_needs_confirm(msc_home, docker_client, new_session, msc):
    sid = new_session()
    name = f"msc-dev-session-{sid}"
    async with connected() as client:
        assert "confirm: true" in await refused(client, "remove_session", session=sid)
        assert docker_client.containers.get(name).status == "running"
        assert (await call(client, "remove_session", session=sid, confirm=True))["removed"] == name
    assert not docker_client.containers.list(all=True, filters={"name": name})
    assert json.loads(msc("ls", "--json").stdout) == []


async def test_a_pairs_session_follows_the_clis_rule(msc_home, docker_client, tmp_path, base_image):
    """Another home's session: run in it and read it as `msc run -s` can; never removed."""
    pair_env = {**os.environ, "MSC_HOME": str(tmp_path / "pair-home"), "MSC_BASE_IMAGE": base_image, "MSC_AGENT": "0"}
    try:
        made = msc_forks.run(["run", "--new", "--json", "-"], input="print(1)", timeout=300, env=pair_env)
        assert made.returncode == 0, made.stderr
        sid = json.loads(made.stdout)["session"]
        async with connected() as client:
            assert (await call(client, "list_sessions"))["sessions"] == []  # this home's only
            ran = await call(client, "run_code", session=sid, code="print('in their session')")
            assert ran["stdout"] == "in their session\n", ran["stderr"]
            line = await refused(client, "remove_session", session=sid, confirm=True)
            assert "another msc home" in line and "removes only this home's sessions" in line
            here = wait_for(lambda: who(pair_env, sid), "the MCP server not listed in the pair's session")
            assert [(p["face"], p["what"]) for p in here] == [("mcp", "connected")]  # between runs too
        wait_for(lambda: not who(pair_env, sid), "the MCP server still listed after its client left")
        assert docker_client.containers.get(f"msc-dev-session-{sid}").status == "running"
    finally:
        remove_home_objects(docker_client, tmp_path / "pair-home")


@pytest.mark.parametrize("how", ["cancelled", "client gone"])
async def test_a_run_that_outlives_its_request_is_killed(msc_home, docker_client, new_session, how):
    sid = new_session()
    container = docker_client.containers.get(f"msc-dev-session-{sid}")

    def sleeping() -> bool:
        return any(p[-1] == "sleep 347" for p in container.top()["Processes"])

    async def until(condition, what: str) -> None:
        deadline = time.monotonic() + 60
        while not condition():
            assert time.monotonic() < deadline, what
            await asyncio.sleep(0.1)

    async with connected() as client:
        pending = asyncio.ensure_future(client.call_tool("run_code", {
            "session": sid, "code": "import subprocess\nsubprocess.run(['sleep', '347'])\n"}))
        await until(sleeping, "the program did not start")
        if how == "cancelled":
            pending.cancel()  # the SDK's client sends notifications/cancelled
            with pytest.raises(asyncio.CancelledError):
                await pending
            await until(lambda: not sleeping(), "the program outlived its cancelled request")
            assert (await call(client, "run_history", session=sid, limit=1))["runs"][0]["cancelled"] is True
    if how == "client gone":  # the client closed the server's stdin with the call pending
        await until(lambda: not sleeping(), "the program outlived its client")
        assert pending.done()  # (ended with its client, unanswered)


async def test_the_documented_client_configuration_works(msc_home, new_session):
    """docs/mcp.md's entry: `msc` with args ["mcp"] and msc's settings in `env`, nothing else
    but the small environment the SDK gives every server."""
    sid = new_session()
    msc_command = shutil.which("msc", path=str(Path(sys.executable).parent))
    assert msc_command, "the msc script is installed beside this interpreter"
    env = {key: os.environ[key] for key in ("MSC_HOME", "MSC_BASE_IMAGE", "MSC_CA_BUNDLE") if key in os.environ}
    params = StdioServerParameters(command=msc_command, args=["mcp"], env=env)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        assert [s["session"] for s in (await call(client, "list_sessions"))["sessions"]] == [sid]
        assert (await call(client, "run_code", session=sid, code="print(6 * 7)"))["stdout"] == "42\n"


async def test_stop_run_stops_the_run_another_call_is_waiting_for(msc_home, docker_client, new_session):
    sid = new_session()
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    async with connected() as client, connected() as other:
        assert (await call(other, "stop_run", session=sid))["stopped"] == []  # nothing going
        pending = asyncio.ensure_future(call(client, "run_code", session=sid,
                                             code="import subprocess\nsubprocess.run(['sleep', '353'])\n"))
        deadline = time.monotonic() + 60
        while not any(p[-1] == "sleep 353" for p in container.top()["Processes"]):
            assert time.monotonic() < deadline, "the program did not start"
            await asyncio.sleep(0.1)
        stopped = await call(other, "stop_run", session=sid)
        result = await asyncio.wait_for(pending, 60)
        assert stopped["stopped"] == [result["run_id"]]
        assert result["cancelled"] and result["stopped_by"] and not result["success"]
    assert not any(p[-1] == "sleep 353" for p in container.top()["Processes"])
