"""The warm pool (core/pool.py, core/pool_claim.py) against the real engine, checked with docker-py.

The suite runs with MSC_POOL_SIZE=0 (tests/conftest.py); these tests turn the pool on. They
drive the core in-process (each Msc a long-lived msc: Msc.open(warm=True) keeps a pool) and
wait on conditions; the command line is used where it is the point (ls, df, clean, run --new).
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from msc_tui.config import load_settings
from msc_tui.core.service import Msc
from tests import msc_forks
from tests.conftest import remove_home_objects, start_run_agent, stop_agents, wait_for_agent

pytestmark = pytest.mark.docker


async def until(condition, timeout: float = 90, what: str = "the condition"):
    """Wait on `condition()` (sync) until it is truthy; its value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what} not met within {timeout:.0f} s"
        await asyncio.sleep(0.1)
    return value


def pool_records(msc: Msc, ready: bool = True) -> dict:
    """This home's pool records (ready: with their container made and warm), by id."""
    return {sid: r for sid, r in msc.store.read().items() if r.pool and (r.container_id or not ready)}


def home_containers(docker_client, home) -> dict[str, dict]:
    """Name -> labels of the containers labelled with this MSC_HOME (docker-py: not msc's own view)."""
    return {c["Names"][0].lstrip("/"): c["Labels"]
            for c in docker_client.api.containers(all=True, filters={"label": f"msc.home={home}"})}


@pytest.fixture
def pool_on(monkeypatch, msc_home):
    """[pool] size 1 (or as the test writes config.toml), the default app type's image built."""
    monkeypatch.setenv("MSC_POOL_SIZE", "1")
    msc_home.mkdir(parents=True, exist_ok=True)
    return msc_home


async def opened(warm: bool = True) -> Msc:
    """A long-lived msc (warm: it keeps the pool), the default app type's image built (the pool
    never builds one)."""
    msc = await Msc.open(load_settings(), warm=warm)
    await msc.build(msc.settings.default_app_type)
    msc.sessions.made.set()  # the pool looks again, now the image is here
    return msc


async def test_a_new_session_claims_a_pool_session_as_if_new_and_the_pool_refills(pool_on, docker_client):
    msc = await opened()
    try:
        waiting = await until(lambda: pool_records(msc), what="a ready pool session")
        (pooled,) = waiting.values()
        labels = home_containers(docker_client, pool_on)[pooled.container_name]
        assert labels["msc.session"] == pooled.id
        assert [v.name for v in await msc.listing()] == []  # plain ls: no one's session yet
        assert await msc.sessions.existing() == []  # nor offered by `msc run`'s "Reuse existing container?"
        listed = {v.name: v.as_dict()["pool"] for v in await msc.listing(include_all=True) if v.owned}
        assert listed == {pooled.container_name: True}

        before = time.time()
        claimed = await msc.sessions.create()
        assert claimed.container_name == pooled.container_name and claimed.pool == ""
        assert claimed.created_at >= before and msc.store.read()[claimed.id].pool == ""
        ran = await msc.run(claimed, "print(1)")
        assert (ran.stdout, ran.run_path) == ("1\n", "warm")  # the warm server the pool opened
        assert [r["id"] for r in await msc.runs.history(claimed.container_name)] == [ran.run_id]
        assert [v.name for v in await msc.listing()] == [claimed.container_name]

        refill = await until(lambda: pool_records(msc), what="the refill after the claim")
        assert claimed.id not in refill and len(refill) == 1
        running = {c.name for c in docker_client.containers.list(filters={"label": f"msc.home={pool_on}"})}
        assert {claimed.container_name, *(r.container_name for r in refill.values())} <= running

        # Other settings (network none) are not the pool's: a fresh session, the pool's kept.
        fresh = await msc.sessions.create(network="none")
        assert fresh.id not in refill and set(pool_records(msc)) == set(refill)
        made = home_containers(docker_client, pool_on)
        same = {k: v for k, v in made[fresh.container_name].items() if k not in ("msc.session", "msc.network")}
        assert same == {k: v for k, v in made[claimed.container_name].items()
                        if k not in ("msc.session", "msc.network", "msc.pool")}  # owner, home, runner: as a fresh one's
        assert made[claimed.container_name]["msc.pool"] == "1" and "msc.pool" not in made[fresh.container_name]
        host = docker_client.api.inspect_container(claimed.container_name)["HostConfig"]
        fresh_host = docker_client.api.inspect_container(fresh.container_name)["HostConfig"]
        assert [host[k] for k in ("Memory", "PidsLimit", "NanoCpus", "CapAdd")] == \
               [fresh_host[k] for k in ("Memory", "PidsLimit", "NanoCpus", "CapAdd")]

        (waiting,) = refill.values()  # a pool session used by its name is the pool's no more
        assert (await msc.run(waiting, "print(2)")).stdout == "2\n"
        assert msc.store.read()[waiting.id].pool == "" and waiting.container_name in {
            v.name for v in await msc.listing()}

        await msc.sessions.remove(claimed.id)  # removed as any session
        assert claimed.container_name not in home_containers(docker_client, pool_on)
        assert claimed.id not in msc.store.read()
    finally:
        await msc.close()


async def test_the_pool_idles_out_and_is_not_refilled_without_a_new_session(pool_on, docker_client):
    (pool_on / "config.toml").write_text("[pool]\nidle = 4\n")
    msc = await opened()
    try:
        (pooled,) = (await until(lambda: pool_records(msc), what="a ready pool session")).values()
        await until(lambda: pooled.container_name not in home_containers(docker_client, pool_on), 60,
                    "the pool session's removal after [pool] idle")
        await until(lambda: pooled.id not in msc.store.read(), 10, "its record's removal")
        await msc.pool.tend()  # a look of the pool's own: nothing new while the home is idle
        assert pool_records(msc, ready=False) == {} and home_containers(docker_client, pool_on) == {}
    finally:
        await msc.close()


async def test_a_clean_of_the_pool_pauses_it_until_the_next_new_session(pool_on, docker_client):
    """A pair's trial: `msc clean`, then `docker ps -a` showed a pool session again within 30 s
    (the run agent, still up, refilled it): a clean of the pool now holds until a new session."""
    msc = await opened()
    try:
        (pooled,) = (await until(lambda: pool_records(msc), what="a ready pool session")).values()
        removed, errors = await msc.cleanup.remove((await msc.cleanup.survey()).of("pool"))
        assert errors == [] and [i.name for i in removed] == [pooled.container_name]
        await msc.pool.tend()  # the look that refilled it
        assert pool_records(msc, ready=False) == {} and home_containers(docker_client, pool_on) == {}
        made = await msc.sessions.create()  # demand again: the pool refills
        await msc.pool.tend()
        (refilled,) = (await until(lambda: pool_records(msc), what="the pool refilled")).values()
        assert set(home_containers(docker_client, pool_on)) == {made.container_name, refilled.container_name}
    finally:
        await msc.close()


async def test_size_zero_makes_no_pool_session(pool_on, monkeypatch, docker_client):
    monkeypatch.setenv("MSC_POOL_SIZE", "0")
    msc = await opened()
    try:
        made = await msc.sessions.create()  # a new session: what would wake a refill
        await msc.pool.tend()
        assert pool_records(msc, ready=False) == {}
        assert set(home_containers(docker_client, pool_on)) == {made.container_name}
    finally:
        await msc.close()


async def test_two_processes_refilling_at_once_never_overfill(pool_on, monkeypatch, docker_client):
    monkeypatch.setenv("MSC_POOL_SIZE", "2")
    first, second = await opened(), await Msc.open(load_settings(), warm=False)  # (second: refilled by hand)
    try:
        await asyncio.gather(first.pool.tend(), second.pool.tend(), second.pool.tend())
        await until(lambda: len(pool_records(first)) == 2, what="two ready pool sessions")
        assert len(pool_records(first, ready=False)) == 2
        assert len(home_containers(docker_client, pool_on)) == 2

        waiting = pool_records(first)  # removed behind the pool's back: never handed out
        for record in waiting.values():
            docker_client.containers.get(record.container_name).remove(force=True)
        made = await second.sessions.create()
        assert made.id not in waiting and made.container_name in home_containers(docker_client, pool_on)
        assert not set(waiting) & set(second.store.read())
    finally:
        await first.close()
        await second.close()


async def test_df_and_clean_see_pool_sessions(pool_on, msc, docker_client):
    core = await opened()
    try:
        (pooled,) = (await until(lambda: pool_records(core), what="a ready pool session")).values()
    finally:
        await core.close()  # its pool sessions stay (until they idle out, or msc clean)
    df = json.loads((await asyncio.to_thread(msc, "df", "--json")).stdout)
    assert df["pool"]["count"] == 1 and df["sessions"]["count"] == 0
    sessions_only = await asyncio.to_thread(msc, "clean", "--sessions", "--yes")  # not the pool's: said so
    assert sessions_only.stdout == "nothing to clean\nkept: 1 pool session made ahead for new sessions (--pool " \
                                   "removes it)\n", sessions_only.stdout
    assert pooled.container_name in home_containers(docker_client, pool_on)
    cleaned = await asyncio.to_thread(msc, "clean", "--yes", "--json")
    assert cleaned.returncode == 0, cleaned.stderr
    assert json.loads(cleaned.stdout)["removed"] == [pooled.container_name]
    assert home_containers(docker_client, pool_on) == {}
    assert "pool" not in (pool_on / "sessions.toml").read_text()


async def test_msc_run_new_claims_from_the_run_agents_pool(pool_on, agents, msc, tmp_path, docker_client):
    (tmp_path / "app.py").write_text("print('from the pool')\n")
    core = await opened(warm=False)  # the image built (the agent never builds one for the pool); no pool here
    await core.close()
    await asyncio.to_thread(wait_for_agent, start_run_agent())
    with_pool = await until(lambda: {sid: r for sid, r in core.store.read().items() if r.pool and r.container_id},
                            what="the agent's pool session")
    ran = await asyncio.to_thread(msc, "run", "--new", "--json", str(tmp_path / "app.py"))
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["session"] in with_pool and result["stdout"] == "from the pool\n"
    assert result["run_path"] == "warm"  # the agent's own warm server, opened by its pool
    assert result["project"]["sent_files"] == 1  # (sent without asking the new session first)
    again = json.loads((await asyncio.to_thread(msc, "run", "-s", result["session"], "--json",
                                                str(tmp_path / "app.py"))).stdout)
    assert again["stdout"] == "from the pool\n" and again["project"]["sent_files"] == 0  # its mark was written
    await until(lambda: [r for r in core.store.read().values() if r.pool and r.container_id],
                what="the agent's refill")
    assert len(home_containers(docker_client, pool_on)) == 2


async def test_a_new_sessions_project_meets_files_in_app_and_goes_as_an_archive(pool_on, docker_client, tmp_path):
    """A claimed session's /app is empty, so its small project comes with the run request; when a
    file is in the way after all (put there by someone running in it meanwhile), the runner
    writes nothing over it and the project is compared and sent as an archive: the run sees the
    project's files, not the planted one."""
    from msc_tui.core.project import scan_project

    (tmp_path / "app.py").write_text("print(open('data.txt').read(), end='')\n")
    (tmp_path / "data.txt").write_text("from home\n")
    msc = await opened()
    try:
        (pooled,) = (await until(lambda: pool_records(msc), what="a ready pool session")).values()
        container = docker_client.containers.get(pooled.container_name)
        assert container.exec_run(["sh", "-c", "echo planted > /app/data.txt"], user="appuser").exit_code == 0
        claimed = await msc.sessions.create()
        assert claimed.id == pooled.id
        project = scan_project(tmp_path / "app.py", 100, 1000, cwd=tmp_path)
        ran = await msc.run(claimed, (tmp_path / "app.py").read_text(), filename=project.script, project=project)
        assert ran.stdout == "from home\n", ran.stderr
        assert ran.project["sent_files"] == 2
        assert container.exec_run(["cat", "/app/data.txt"], user="appuser").output == b"from home\n"
        again = await msc.run(claimed, (tmp_path / "app.py").read_text(), filename=project.script, project=project)
        assert again.stdout == "from home\n" and again.project["sent_files"] == 0
    finally:
        await msc.close()


async def test_another_home_cannot_take_a_pool_session_until_its_owner_has_run_in_it(pool_on, docker_client,
                                                                                      tmp_path, monkeypatch):
    """A pool session shows in another home's `ls --all` like any of this home's sessions; a pair
    who ran or installed in it would leave their files and packages in a session its owner later
    takes as new. So until a run has happened in it, another home's msc refuses it."""
    import os
    import subprocess

    msc = await opened()
    pair = {**os.environ, "MSC_HOME": str(tmp_path / "pair-home"), "MSC_POOL_SIZE": "0"}  # (its agent keeps none)
    try:
        (pooled,) = (await until(lambda: pool_records(msc), what="a ready pool session")).values()

        def pair_runs() -> subprocess.CompletedProcess:
            return msc_forks.run(["run", "-s", pooled.id, "-"], input="print('pair')", timeout=120, env=pair)

        def pair_sees() -> bool:  # whether the pair's `ls --all` shows it as a pool session
            listed = msc_forks.run(["ls", "--all", "--json"], timeout=120, env=pair)
            return next(row["pool"] for row in json.loads(listed.stdout) if row["name"] == pooled.container_name)

        assert await asyncio.to_thread(pair_sees)
        refused = await asyncio.to_thread(pair_runs)
        assert refused.returncode == 2 and "warm pool" in refused.stderr and "Traceback" not in refused.stderr
        container = docker_client.containers.get(pooled.container_name)
        assert container.exec_run(["test", "-e", "/var/lib/msc/runs/going"]).exit_code == 1  # nothing ran there
        claimed = await msc.sessions.create()
        assert claimed.id == pooled.id and (await msc.run(claimed, "print(1)")).stdout == "1\n"
        shared = await asyncio.to_thread(pair_runs)  # the owner's session now: shared as any other
        assert shared.returncode == 0 and shared.stdout == "pair\n", shared.stderr
        assert not await asyncio.to_thread(pair_sees)
    finally:
        await msc.close()
        stop_agents(tmp_path / "pair-home")
        remove_home_objects(docker_client, tmp_path / "pair-home")
