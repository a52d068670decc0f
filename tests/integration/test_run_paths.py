"""One behaviour on both run paths: the exec path (an exec per run, as the CLI runs) and the
warm path (runs over a kept `serve` exec, as the TUI and the API run), against the real engine.
Effects are checked with docker-py (docker top, exec_run), not with msc.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from msc_tui.core.results import RunResult
from msc_tui.core.run_input import RunInput
from msc_tui.core.service import Msc

SITE = "/opt/venv/lib/python3.11/site-packages"


@pytest.fixture(params=["exec", "warm"])
def path(request, msc_home):
    return request.param


def with_session(warm: bool, body, **create):
    """asyncio.run(body(msc, record)) with a fresh session, msc closed afterwards."""

    async def main():
        msc = await Msc.open(warm=warm)
        try:
            record = await msc.sessions.create(**create)
            return await body(msc, record)
        finally:
            await msc.close()

    return asyncio.run(main())


def leftovers(docker_client, container: str, marker: str) -> list[str]:
    return [p[-1] for p in docker_client.containers.get(container).top()["Processes"] if marker in p[-1]]


def test_streams_exit_codes_user_and_input(path):
    async def body(msc, record):
        ran = await msc.run(record, "import os, sys\nprint('out', os.getuid(), input())\n"
                                    "print('err', file=sys.stderr)\nsys.exit(3)\n", stdin="typed\n")
        assert (ran.stdout, ran.stderr, ran.exit_code) == ("out 1000 typed\n", "err\n", 3)
        assert ran.run_path == path
        failed = await msc.run(record, "def f():\n    raise ValueError('bad')\nf()\n")
        assert failed.exit_code == 1 and failed.error["name"] == "ValueError"
        assert 'File "/app/main.py", line 2, in f' in failed.stderr and "msc_runner" not in failed.stderr
        empty = await msc.run(record, "import sys\nprint(repr(sys.stdin.read()))\n")
        assert empty.stdout == "''\n"

    with_session(path == "warm", body)


def test_a_timeout_kills_the_run_whole_tree_and_the_next_run_goes(path, docker_client):
    spawn = ("import subprocess, time\n"
             "subprocess.Popen(['sleep', '4711'])\n"
             "subprocess.Popen(['sleep', '4712'], start_new_session=True)\n"
             "print('up', flush=True)\ntime.sleep(600)\n")

    async def body(msc, record):
        ran = await msc.run(record, spawn, timeout=3)
        assert ran.exit_code == 124 and ran.timed_out and ran.stdout == "up\n"
        assert leftovers(docker_client, record.container_name, "sleep 471") == []
        again = await msc.run(record, "print('next')")
        assert again.stdout == "next\n" and again.run_path == path

    with_session(path == "warm", body)


def test_cancelling_a_run_kills_its_whole_tree(path, docker_client):
    async def body(msc, record):
        seen = asyncio.Event()
        task = asyncio.create_task(msc.run(
            record, "import subprocess, time\nsubprocess.Popen(['sleep', '4713'], start_new_session=True)\n"
                    "print('up', flush=True)\ntime.sleep(600)\n",
            on_output=lambda stream, text: seen.set(), stdin=RunInput()))
        await asyncio.wait_for(seen.wait(), 60)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        for _ in range(100):  # the kill is done when the cancellation returns; allow the engine a moment
            if not leftovers(docker_client, record.container_name, "sleep 4713"):
                break
            await asyncio.sleep(0.1)
        assert leftovers(docker_client, record.container_name, "sleep 4713") == []
        assert (await msc.run(record, "print(2)")).stdout == "2\n"

    with_session(path == "warm", body)


def test_runs_are_followed_live_and_kept_in_the_history(path):
    async def body(msc, record):
        pair = await Msc.open(warm=False)  # another client following the session
        seen: list = []

        async def follow():
            # --last: this run even if it ended before the follower came (the session has no other)
            async for event in pair.runs.follow(record.container_name, last=True):
                seen.append(event)
                if event.kind == "end":
                    return

        follower = asyncio.create_task(follow())
        ran = await msc.run(record, "print('kept')", face="api")
        try:
            await asyncio.wait_for(follower, 60)
        finally:
            follower.cancel()
            await pair.close()
        kinds = [e.kind for e in seen if e.kind not in ("changed", "presence")]
        listed = [p for e in seen if e.kind == "presence" for p in e.meta["present"]]  # the follower itself
        assert [(p["by"], p["face"]) for p in listed if p["client"] == pair.runs.client] == [(pair.runs.by, "api")]
        assert kinds[0] == "start" and kinds[-1] == "end" and set(kinds[1:-1]) == {"output"}
        assert "".join(e.text for e in seen if e.kind == "output") == "kept\n"
        assert seen[-1].run_id == ran.run_id and seen[-1].meta["exit_code"] == 0
        runs = await msc.runs.history(record.container_name)
        assert [r["id"] for r in runs][-1] == ran.run_id
        assert runs[-1]["state"] == "finished" and runs[-1]["exit_code"] == 0
        events = [e async for e in msc.runs.logs(record.container_name, str(ran.run_id))]
        assert "".join(e.text for e in events if e.kind == "output") == "kept\n"

    with_session(path == "warm", body)


def test_no_network_means_only_loopback(path):
    async def body(msc, record):
        ran = await msc.run(record, "import os\nprint(sorted(os.listdir('/sys/class/net')))")
        assert ran.stdout == "['lo']\n"

    with_session(path == "warm", body, network="none")


BARRIER = """import os, sys, time
n = os.path.basename(sys.argv[0])[1]  # c<n>.py
open(f'/tmp/arrived-{n}', 'w').close()
deadline = time.monotonic() + 60
while len([f for f in os.listdir('/tmp') if f.startswith('arrived-')]) < 3:  # all three at once, or none ends
    assert time.monotonic() < deadline, 'the runs did not overlap'
    time.sleep(0.05)
print(n)
"""


def test_concurrent_runs_each_get_their_own_output(path):
    async def body(msc, record):
        runs = [msc.run(record, BARRIER, filename=f"c{n}.py") for n in range(3)]
        results = await asyncio.gather(*runs)
        assert [r.stdout for r in results] == ["0\n", "1\n", "2\n"], [r.stderr for r in results]

    with_session(path == "warm", body)


# -- the warm path only ---------------------------------------------------------------------------
async def warm_start_modules(msc, record, module: str, deadline_s: float = 60) -> RunResult:
    """Rerun until a run starts with `module` already imported (the server preloads between runs)."""
    probe = f"import sys\nprint({module!r} in sys.modules)\n"
    deadline = time.monotonic() + deadline_s
    while True:
        ran = await msc.run(record, probe)
        if ran.stdout == "True\n" or time.monotonic() > deadline:
            return ran
        await asyncio.sleep(0.5)


def test_warm_runs_preload_what_runs_used_yet_share_nothing(msc_home):
    async def body(msc, record):
        first = await msc.run(record, "import setuptools\nsetuptools.LEFT_BY_RUN_1 = 1\nopen('/tmp/f', 'w')\n")
        assert first.success and first.run_path == "warm"
        ran = await warm_start_modules(msc, record, "setuptools")
        assert ran.stdout == "True\n" and ran.preloaded_modules >= 1
        fresh = await msc.run(record, "import setuptools\nprint(hasattr(setuptools, 'LEFT_BY_RUN_1'))\n"
                                      "print('first' in globals())")
        assert fresh.stdout == "False\nFalse\n"
        # A local module of the same name shadows the preloaded one, as it would in a cold python3.
        shadow = await msc.run(record, "import setuptools\nprint(setuptools.__file__)",
                               companions={"setuptools.py": "X = 1\n"})
        assert shadow.stdout == "/app/setuptools.py\n"

    with_session(True, body)


def test_a_module_that_starts_a_thread_at_import_is_never_preloaded(msc_home, docker_client):
    probe = "import threading, time\nthreading.Thread(target=time.sleep, args=(3600,), daemon=True).start()\n"

    async def body(msc, record):
        container = docker_client.containers.get(record.container_name)
        put = container.exec_run(["sh", "-c", f"cat > {SITE}/mscthreadprobe.py"], user="installer", stdin=True,
                                 socket=True)
        put.output._sock.sendall(probe.encode())
        put.output._sock.close()
        for _ in range(50):
            if container.exec_run(["test", "-s", f"{SITE}/mscthreadprobe.py"]).exit_code == 0:
                break
            await asyncio.sleep(0.1)
        assert (await msc.run(record, "import mscthreadprobe, setuptools")).success
        ran = await warm_start_modules(msc, record, "setuptools")
        assert ran.stdout == "True\n"
        check = await msc.run(record, "import sys\nprint('mscthreadprobe' in sys.modules)")
        assert check.stdout == "False\n"
        unsafe = container.exec_run(["cat", "/home/appuser/.msc/warm-unsafe"], user="appuser").output.decode()
        assert "mscthreadprobe" in unsafe and "thread" in unsafe

    with_session(True, body)


def test_a_package_change_rebuilds_the_warm_imports(msc_home, docker_client):
    async def body(msc, record):
        await msc.run(record, "import setuptools")
        assert (await warm_start_modules(msc, record, "setuptools")).stdout == "True\n"
        container = docker_client.containers.get(record.container_name)
        # what any install does to the environment: an entry appears in site-packages
        assert container.exec_run(["mkdir", f"{SITE}/msc_new_dist-1.0.dist-info"], user="installer").exit_code == 0
        after = await msc.run(record, "import sys\nprint('setuptools' in sys.modules)")
        assert after.stdout == "False\n" and after.preloaded_modules == 0
        assert (await warm_start_modules(msc, record, "setuptools")).stdout == "True\n"

    with_session(True, body)


def test_a_warm_server_that_died_or_a_missing_runner_costs_only_speed(msc_home, docker_client):
    kill_servers = ("import os, signal\n"
                    "for p in os.listdir('/proc'):\n"
                    "    try:\n"
                    "        cmd = open(f'/proc/{p}/cmdline', 'rb').read()\n"
                    "    except OSError:\n"
                    "        continue\n"
                    "    if b'serve' in cmd.split(b'\\0') and int(p) != os.getpid():\n"
                    "        os.kill(int(p), signal.SIGKILL)\n")

    async def body(msc, record):
        container = docker_client.containers.get(record.container_name)
        assert (await msc.run(record, "print(1)")).run_path == "warm"
        # (root: the warm server is root's recorder and the worker it started)
        assert container.exec_run(["python3", "-c", kill_servers], user="root").exit_code == 0
        ran = await msc.run(record, "print(2)")
        assert ran.stdout == "2\n" and ran.run_path == "warm"
        await msc.runs.close()
        assert container.exec_run(["sh", "-c", "rm -f /opt/msc/msc_runner_*"], user="root").exit_code == 0
        again = await msc.run(record, "print(3)")
        assert again.stdout == "3\n"
        assert container.exec_run(["sh", "-c", "ls /opt/msc/msc_runner_*.zip"]).exit_code == 0

    with_session(True, body)


def test_warm_memory_is_reported_and_an_idle_server_exits(msc_home, msc, docker_client):
    import dataclasses
    import json

    from msc_tui.config import load_settings

    def serve_rss(name: str) -> list[int]:
        top = docker_client.containers.get(name).top(ps_args="-ww -o pid,rss,args")["Processes"]
        return [int(p[1]) * 1024 for p in top if "msc_runner_" in p[2] and " serve " in p[2]]

    async def body(msc_core, record):
        assert (await msc_core.run(record, "print(1)")).run_path == "warm"
        listed = await asyncio.to_thread(msc, "ls", "--size", "--json")
        row = next(r for r in json.loads(listed.stdout) if r["name"] == record.container_name)
        measured = serve_rss(record.container_name)  # root's recorder and the worker it started
        assert len(measured) == 2 and 0.5 * sum(measured) <= row["warm_rss"] <= 2 * sum(measured)
        deadline = time.monotonic() + 60
        while serve_rss(record.container_name) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        assert serve_rss(record.container_name) == []  # idle for warm_idle seconds: gone
        again = await msc_core.run(record, "print(2)")
        assert again.stdout == "2\n" and again.run_path == "warm"

    async def main():
        settings = dataclasses.replace(load_settings(), warm_idle=8.0)
        msc_core = await Msc.open(settings)
        try:
            return await body(msc_core, await msc_core.sessions.create())
        finally:
            await msc_core.close()

    asyncio.run(main())


def test_a_new_sessions_runner_is_placed_before_its_first_run(msc, docker_client):
    """`msc run --new` places the runner as it makes the session: the first run's bootstrap
    finds it (no bootstrap that exits MISSING_EXIT, then a placing, then the bootstrap again)."""
    import json

    from msc_tui.runner.protocol import MISSING_EXIT

    since = time.time() - 1
    made = msc("run", "--new", "--json", "-", input="print('first')")
    assert made.returncode == 0 and json.loads(made.stdout)["stdout"] == "first\n", made.stderr
    container = docker_client.containers.get(f"msc-dev-session-{json.loads(made.stdout)['session']}")
    events = list(docker_client.events(since=since, until=time.time() + 1, decode=True,
                                       filters={"container": container.id}))
    execs = [e for e in events if e["Action"].startswith("exec_start")]
    assert execs and "zipfile" in execs[0]["Action"], [e["Action"][:60] for e in execs]  # the placing, first
    codes = [e["Actor"]["Attributes"].get("exitCode") for e in events if e["Action"] == "exec_die"]
    assert codes and str(MISSING_EXIT) not in codes, codes
