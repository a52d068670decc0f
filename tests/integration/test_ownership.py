"""Whose a session is, one rule for every command (core/ownership.py), against the real engine.

A second MSC_HOME plays the pair; effects are checked with docker-py, never with msc itself.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from tests import msc_forks
from tests.conftest import remove_home_objects
from tests.run_agent_box import served


@pytest.fixture
def pair_env(tmp_path, base_image, docker_client):
    """The environment of a second msc (another MSC_HOME); its objects are removed afterwards."""
    yield {**os.environ, "MSC_HOME": str(tmp_path / "pair-home"), "MSC_BASE_IMAGE": base_image, "MSC_AGENT": "0"}
    remove_home_objects(docker_client, tmp_path / "pair-home")


@pytest.fixture
def pair(pair_env):
    """A session the pair made: (their environment, its id)."""
    made = msc_forks.run(["run", "--new", "--json", "-"], input="print('pair')", timeout=300, env=pair_env)
    assert made.returncode == 0, made.stderr
    return pair_env, json.loads(made.stdout)["session"]




def notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "is a session of another msc home" in line]


def test_a_pairs_session_is_taken_by_id_or_name_alike_and_named_once(msc, pair, docker_client, tmp_path):
    _, sid = pair
    name = f"msc-dev-session-{sid}"
    container = docker_client.containers.get(name)
    local = tmp_path / "note.txt"
    local.write_text("from this home\n")

    installed = msc("install", sid, "six")
    assert installed.returncode == 0, installed.stderr
    assert len(notes(installed.stderr)) == 1 and notes(installed.stderr)[0].startswith("msc: note: ")
    assert container.exec_run(["python3", "-c", "import six"], user="appuser").exit_code == 0
    for ref in (sid, name):
        for args in (("packages", ref), ("files", ref), ("history", ref), ("logs", ref),
                     ("cp", str(local), f"{ref}:/app/note.txt")):
            done = msc(*args)
            assert done.returncode == 0, (args, done.stderr)
            assert len(notes(done.stderr)) == 1, (args, done.stderr)  # said once, whose it is
        assert "six" in msc("packages", ref).stdout
        ran = msc("run", "-s", ref, "-", input="print(open('/app/note.txt').read().strip())")
        assert ran.returncode == 0 and ran.stdout == "from this home\n", ran.stderr
        assert len(notes(ran.stderr)) == 1
        listed = json.loads(msc("packages", ref, "--json").stdout)
        assert listed["session"] == sid and any(p.startswith("six==") for p in listed["installed_packages"])

        refused = msc("rm", ref)  # destructive: refused by id and by name alike
        assert refused.returncode == 2, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "--force" in refused.stderr
        container.reload()
        assert container.status == "running"

    gone = msc("rm", "--force", sid)
    assert gone.returncode == 0, gone.stderr
    assert not docker_client.containers.list(all=True, filters={"name": name})
    unknown = msc("packages", sid)  # now nothing of that name is on the engine
    assert unknown.returncode == 4 and unknown.stderr.strip().splitlines() == [
        f"msc: unknown session '{sid}' (msc ls --all lists the sessions on this engine)"]
    for args in (("files", " "), ("rm", "msc-dev-session-")):
        empty = msc(*args)
        assert empty.returncode == 2 and empty.stderr == "msc: empty session name (msc ls lists the sessions)\n"


def point_record(home, sid: str, container: str) -> None:
    state = home / "sessions.toml"
    state.write_text(state.read_text().replace(f'"msc-dev-session-{sid}"', f'"{container}"'))


def test_rm_never_removes_the_container_another_record_names(msc, msc_home, new_session, docker_client):
    mine, other = new_session(), new_session()
    point_record(msc_home, mine, f"msc-dev-session-{other}")
    for args in (("rm", mine), ("rm", "--force", mine), ("rm", "--keep-record", mine)):
        done = msc(*args)
        assert done.returncode == 4, (args, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "is not this session's container" in lines[0], lines
        assert docker_client.containers.get(f"msc-dev-session-{other}").status == "running"
        assert docker_client.containers.get(f"msc-dev-session-{mine}").status == "running"
    assert mine in (msc_home / "sessions.toml").read_text()  # nothing removed, the record neither


def test_cp_never_writes_into_the_container_another_record_names(msc, msc_home, new_session, pair, docker_client,
                                                                 tmp_path):
    _, theirs = pair
    mine = new_session()
    point_record(msc_home, mine, f"msc-dev-session-{theirs}")
    planted = tmp_path / "planted.txt"
    planted.write_text("should not arrive\n")
    into = msc("cp", str(planted), f"{mine}:/app/planted.txt")
    out = msc("cp", f"{mine}:/app/main.py", str(tmp_path / "taken.py"))
    for done in (into, out):
        assert done.returncode == 4, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "is not this session's container" in lines[0], lines
    container = docker_client.containers.get(f"msc-dev-session-{theirs}")
    assert container.exec_run(["test", "-e", "/app/planted.txt"]).exit_code == 1
    assert not (tmp_path / "taken.py").exists()


CONCURRENT = 8  # `msc run --new` at once, each a process of its own (forked)


def test_concurrent_new_sessions_never_adopt_each_other(msc_home, docker_client):
    """Each msc that opens a home adopts its containers that have no record: never one that
    another msc is making. Meanwhile another msc opens the home again and again, as an msc
    starting at any moment would (check_home: what each one does first)."""
    from msc_tui.core.service import Msc

    making = threading.Event()

    def make(i: int) -> subprocess.CompletedProcess:
        time.sleep(0.1 * i)  # staggered: some list the home's containers while others make theirs
        return msc_forks.run(["run", "--new", "--json", "-"], input="print('made')", timeout=300)

    async def look() -> tuple[int, list[str]]:
        core, looks, warnings = await Msc.open(warm=False), 0, []
        try:
            while making.is_set() or not looks:
                warnings += await core.check_home()
                looks += 1
                await asyncio.sleep(0.005)  # (about 100 a second: the engine answers the others too)
        finally:
            await core.close()
        return looks, warnings

    with concurrent.futures.ThreadPoolExecutor(CONCURRENT + 1) as threads:
        making.set()
        looking = threads.submit(asyncio.run, look())
        done = list(threads.map(make, range(CONCURRENT)))
        making.clear()
        looks, warnings = looking.result()
    assert looks > CONCURRENT and warnings == []
    for process in done:
        assert process.returncode == 0, process.stderr
        assert "rebuilt" not in process.stderr and "no record" not in process.stderr, process.stderr  # nothing to adopt
    made = [json.loads(process.stdout)["session"] for process in done]
    assert len(set(made)) == CONCURRENT
    import tomllib

    records = tomllib.loads((msc_home / "sessions.toml").read_text())["sessions"]
    assert set(records) == set(made)
    for sid in made:  # every session has its own record, naming its own container
        container = docker_client.containers.get(records[sid]["container_name"])
        assert container.labels["msc.session"] == sid and container.status == "running"
        assert records[sid]["session_files"] == ["main.py"] and records[sid]["container_id"] == container.id


PAIR_RUNS = """
import sys
from msc_tui import DockerManager
with DockerManager() as dm:
    print(dm.execute_in_container(sys.argv[1], "import time; time.sleep(1); print('by the pair')")["stdout"])
"""


def row_of(msc, sid: str) -> dict:
    listed = msc("ls", "--json")
    assert listed.returncode == 0, listed.stderr
    row, = [r for r in json.loads(listed.stdout) if r["session"] == sid]
    return row


@pytest.mark.usefixtures("agents")
def test_ls_shows_the_last_run_whoever_made_it_through_the_api_or_the_agent(msc, new_session, pair_env):
    sid = new_session()
    before = time.time()
    by_pair = subprocess.run([sys.executable, "-c", PAIR_RUNS, f"msc-dev-session-{sid}"], text=True,
                             capture_output=True, timeout=120, env=pair_env)
    assert by_pair.returncode == 0 and by_pair.stdout == "by the pair\n\n", by_pair.stderr
    row = row_of(msc, sid)  # this home's record knows nothing of the pair's run; the session does
    last = row["last_run"]
    assert (last["face"], last["state"], last["exit_code"], last["file"]) == ("api", "finished", 0, "main.py")
    assert "@" in last["by"] and before - 1 <= last["started_at"] <= last["ended_at"]
    assert row["last_used"] >= last["ended_at"] and row["going"] == []

    served(msc, sid)  # the agent answers for this home now (warm runs: no exec, no engine event)
    through_agent = json.loads(msc("run", "-s", sid, "--json", "-", input="print('via the agent')").stdout)
    assert through_agent["run_path"] == "warm"
    last = row_of(msc, sid)["last_run"]
    assert (last["id"], last["face"], last["exit_code"]) == (through_agent["run_id"], "cli", 0)


async def test_a_session_cancelled_while_being_made_leaves_neither_container_nor_record(msc_home, docker_client):
    """Cancelled at any point of its making (a closed msc, Ctrl-C), a new session leaves no
    container without a record: such a container would be adopted as a session by the next msc."""
    import asyncio

    from msc_tui.core.service import Msc

    core = await Msc.open(warm=False)
    try:
        await core.build(core.settings.default_app_type)
        for step in range(10):
            making = asyncio.create_task(core.sessions.create())
            await asyncio.sleep(0.04 * step)
            making.cancel()
            try:
                await making
            except asyncio.CancelledError:
                pass
        await asyncio.sleep(1)  # a create the engine was still answering
        recorded = {r.container_name for r in core.sessions.records().values()}
        made = {c.name for c in docker_client.containers.list(all=True, filters={"label": f"msc.home={msc_home}"})}
        assert made <= recorded, made - recorded
    finally:
        await core.close()
