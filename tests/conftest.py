"""Shared fixtures. Docker tests use the real engine; with CI=true a missing engine fails."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests import msc_forks

ROOT = Path(__file__).resolve().parent.parent
TEST_LABEL = "msc.test"
TEST_RUN = f"run-{os.getpid()}"  # TEST_LABEL's value on this pytest's own (an engine may be shared)
IN_CI = os.environ.get("CI", "").lower() == "true"


# The longest modules start first when tests run side by side: one that started last would be
# the suite's tail while the other workers sit idle (measured: each takes 20-70 s).
LONG_FIRST = ("test_podman_engine.py", "test_engine_restart.py", "test_ca_bundle.py", "test_ssh_engine.py",
              "test_wheel.py")


def pytest_collection_modifyitems(items):
    side_by_side = "PYTEST_XDIST_WORKER" in os.environ
    if side_by_side:
        order = {name: rank for rank, name in enumerate(LONG_FIRST)}
        items.sort(key=lambda item: order.get(item.path.name, len(order)))  # (stable: the rest keep theirs)
    for item in items:
        if "/integration/" in str(item.fspath) or "docker_client" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.docker)
        if side_by_side and item.get_closest_marker("alone"):  # it would pull the engine from under the others
            item.add_marker(pytest.mark.skip(reason="runs alone, not beside other tests (scripts/test.sh runs it "
                                                    "after the rest)"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped Docker test is a failure, never a silent pass."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("docker"):
        report.outcome = "failed"
        report.longrepr = f"docker test skipped under CI=true: {report.longrepr}"


@pytest.fixture(scope="session")
def docker_client():
    """docker-py: the independent observer of what msc did."""
    import docker

    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:  # any failure means: no engine here
        message = f"no Docker Engine reachable: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield client
    for container in client.containers.list(all=True, filters={"label": f"{TEST_LABEL}={TEST_RUN}"}):
        container.remove(force=True)
    client.close()


def container_names(docker_client) -> set[str]:
    """Every container's name, in one call (a listing that inspects each one trips over
    containers that others on a shared engine remove meanwhile)."""
    return {name.lstrip("/") for c in docker_client.api.containers(all=True) for name in c["Names"]}


@pytest.fixture(scope="session")
def base_image(docker_client) -> str:
    """A local Python base image (scripts/base-image.sh finds or builds one)."""
    found = subprocess.run(["bash", str(ROOT / "scripts" / "base-image.sh")],
                           capture_output=True, text=True, timeout=900)
    if found.returncode != 0:
        pytest.fail(f"no base image: {found.stderr.strip()}")
    return found.stdout.strip().splitlines()[-1]


@pytest.fixture
def raw_container(docker_client, base_image):
    """A plain running container made with docker-py, removed afterwards."""
    made = []

    def make(**kwargs):
        options = dict(command=["sleep", "infinity"], detach=True, init=True,
                       labels={TEST_LABEL: TEST_RUN}, name=f"msc-test-{uuid.uuid4().hex[:8]}")
        options.update(kwargs)
        container = docker_client.containers.run(base_image, **options)
        made.append(container)
        return container

    yield make
    import docker

    for container in made:
        try:
            container.remove(force=True)
        except docker.errors.NotFound:  # the test removed it itself
            pass


@pytest.fixture(scope="session", autouse=True)
def no_pool():
    """No warm pool ([pool] size 0): every long-lived msc of a test (agents, the API, the MCP
    server) would otherwise make sessions ahead. For the whole session, so that a module's own
    long-lived msc (made before any test's fixtures) has none either; tests/integration/test_pool.py
    turns it on."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MSC_POOL_SIZE", "0")
        yield


@pytest.fixture(autouse=True)
def agent_sockets(monkeypatch, tmp_path) -> Path:
    """`msc run -s` and `msc run --new` go through a run agent, as they do for users. A test's
    agents keep their files in msc's state folder (no XDG_RUNTIME_DIR: MSC_HOME/agents with
    msc_home, or another home under tmp_path), and every one of them is stopped afterwards;
    TMPDIR is a private folder too (what programs msc starts use)."""
    folder = Path(tempfile.mkdtemp(prefix="msca"))
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    yield folder
    stop_agents(tmp_path)  # a pair's or a colleague's home the test made
    stop_agents(folder)
    shutil.rmtree(folder, ignore_errors=True)


def agents_under(folder: Path) -> list[int]:
    """The run agents whose folder is under `folder`, by their command line (the folder is its
    last argument) or as msc_forks started them: a lock file names only an agent that got as far
    as taking it, and one still starting would outlive the test."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0") if entry.name.isdigit() else []
        except OSError:  # ended meanwhile
            continue
        if b"msc_tui.cli.agent" in argv and any(a.startswith(f"{folder}/".encode()) for a in argv):
            pids.append(int(entry.name))
    return pids + msc_forks.agents_under(folder)


def stop_agents(folder: Path) -> None:
    pids = agents_under(folder)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while pids := [pid for pid in pids if alive(pid)]:
        if time.monotonic() > deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            return
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:  # a zombie has ended (reaping it is its parent's business, not the test's)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def msc_home(tmp_path, monkeypatch, base_image, docker_client, agent_sockets):
    """A private MSC_HOME; every container made under it is removed afterwards, its run agents
    stopped first (agent_sockets' own teardown comes after this one's)."""
    home = tmp_path / "msc-home"
    monkeypatch.setenv("MSC_HOME", str(home))
    monkeypatch.setenv("MSC_BASE_IMAGE", base_image)
    yield home
    stop_agents(home)
    remove_home_objects(docker_client, home)


@pytest.fixture
def direct_path(monkeypatch):
    """MSC_AGENT=0: `msc run -s` runs in the msc process itself. For the few tests that keep
    that path covered; every other `msc run -s` goes through the run agent."""
    monkeypatch.setenv("MSC_AGENT", "0")


def remove_home_objects(docker_client, home) -> None:
    """Containers, then volumes, labelled with an MSC_HOME (listed again while a volume is still
    in use: a container whose creation was under way when its msc closed appears late)."""
    import docker

    for _ in range(20):
        for container in docker_client.containers.list(all=True, filters={"label": f"msc.home={home}"}):
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)
        try:
            for volume in docker_client.volumes.list(filters={"label": f"msc.home={home}"}):
                volume.remove(force=True)
            return
        except docker.errors.APIError as exc:
            if exc.status_code != 409:
                raise
            time.sleep(0.5)
    raise AssertionError(f"a volume of {home} stayed in use")


@pytest.fixture
def msc(msc_home):
    """Run the real `msc` CLI in a process of its own: msc("ls", "--json") -> CompletedProcess
    (forked with msc imported: tests/msc_forks.py)."""

    def run(*args, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        return msc_forks.run(args, input=input, timeout=timeout)

    return run


@pytest.fixture
def new_session(msc_home):
    """A fresh session as `msc run --new -` makes one (one run, of print('ready') as main.py, in
    its history), but made in-process (the command line that makes one is tested where it is the
    point); returns its id. The home's run agent is started and waited for, so that the test's
    `msc run -s` go through it from the first, as users' runs do."""

    def make(network: str | None = None) -> str:
        from msc_tui.core.service import Msc

        agent = start_run_agent()  # it starts while the session is made

        async def create() -> str:
            msc = await Msc.open(warm=False)
            try:
                record = await msc.sessions.create(network=network)
                ran = await msc.run(record, "print('ready')", face="cli")
                assert ran.stdout == "ready\n", ran.stderr
                return record.id
            finally:
                await msc.close()

        with concurrent.futures.ThreadPoolExecutor(1) as thread:  # async tests have a loop running here
            sid = thread.submit(asyncio.run, create()).result()
        if agent:
            wait_for_agent(agent)
        return sid

    return make


def start_run_agent() -> str | None:
    """Start the run agent this environment's `msc run -s` would use (else the first run starts
    it and takes the usual path itself, as do the runs until it is up); its socket's name, or
    None when the agent is off here (MSC_AGENT=0 or [run] agent = false)."""
    from msc_tui.cli import agent_client, agent_place

    name = None if os.environ.get("MSC_AGENT") == "0" else agent_client.agent_name()
    if name and not agent_answers(name):
        folder, shown = agent_place.open_folder()
        try:  # as agent_client.start_agent starts it, forked (tests/msc_forks.py)
            msc_forks.start_agent(folder, shown, name)
        finally:
            os.close(folder)
    return name


def agent_answers(name: str) -> bool:
    """Whether the agent of that name answers (reached through its folder, as msc reaches it:
    a socket's full path may be longer than a unix socket allows)."""
    from msc_tui.cli import agent_place

    folder, _ = agent_place.open_folder()
    try:
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(agent_place.address(folder, name))
            return True
    except OSError:
        return False
    finally:
        os.close(folder)


def wait_for_agent(name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not agent_answers(name):
        assert time.monotonic() < deadline, f"no run agent answered as {name} within {timeout:.0f} s"
        time.sleep(0.05)


@pytest.fixture
def start_msc(msc_home):
    """Start `msc ARGS...` in the background, feeding `code` on stdin: for streams and signals."""

    def start(*args: str, code: str = "", stderr=subprocess.PIPE) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "msc_tui", *args], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=stderr, text=True, env=os.environ.copy())
        process.stdin.write(code)
        process.stdin.close()
        return process

    return start
