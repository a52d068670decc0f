"""Shared fixtures. Docker tests use the real engine; with CI=true a missing engine fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_LABEL = "msc.test"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/integration/" in str(item.fspath) or "docker_client" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.docker)


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
    for container in client.containers.list(all=True, filters={"label": TEST_LABEL}):
        container.remove(force=True)
    client.close()


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
                       labels={TEST_LABEL: "1"}, name=f"msc-test-{uuid.uuid4().hex[:8]}")
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


@pytest.fixture
def msc_home(tmp_path, monkeypatch, base_image, docker_client):
    """A private MSC_HOME; every container made under it is removed afterwards."""
    home = tmp_path / "msc-home"
    monkeypatch.setenv("MSC_HOME", str(home))
    monkeypatch.setenv("MSC_BASE_IMAGE", base_image)
    monkeypatch.setenv("MSC_AGENT", "0")  # the run agent is tested on its own (test_run_agent.py)
    yield home
    remove_home_objects(docker_client, home)


def remove_home_objects(docker_client, home) -> None:
    """Containers, then volumes, labelled with an MSC_HOME."""
    for container in docker_client.containers.list(all=True, filters={"label": f"msc.home={home}"}):
        container.remove(force=True)
    for volume in docker_client.volumes.list(filters={"label": f"msc.home={home}"}):
        volume.remove(force=True)


@pytest.fixture
def msc(msc_home):
    """Run the real `msc` CLI in a subprocess: msc("ls", "--json") -> CompletedProcess."""

    def run(*args, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "msc_tui", *args], input=input, text=True,
                              capture_output=True, timeout=timeout, env=os.environ.copy())

    return run


@pytest.fixture
def new_session(msc):
    """A fresh session made by `msc run --new`; returns its id."""

    def make(*extra: str) -> str:
        done = msc("run", "--new", "--json", *extra, "-", input="print('ready')")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["session"]

    return make


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
