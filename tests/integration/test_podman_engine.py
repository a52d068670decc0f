"""The session flow on rootful Podman through its Docker-compatible socket.

Opt-in (MSC_TEST_PODMAN=1, which scripts/test.sh sets under CI=true after installing podman
and catatonit): it starts a Podman service of its own (private socket, storage and config; see
tests/podman_service.py). docker-py, pointed at that socket, checks the effects.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from tests.podman_service import start_podman

pytestmark = pytest.mark.xdist_group("podman")  # one worker, one Podman service for the module


BUILT_TAG = """
import asyncio
from msc_tui.core.service import Msc
async def main():
    msc = await Msc.open()
    try:
        print((await msc.build("basic_app")).tag)
    finally:
        await msc.close()
asyncio.run(main())
"""


def basic_image_on_docker(base_image: str) -> str:
    """The basic app type's image as msc makes it with the suite's settings, on the Docker Engine
    (built there by msc if missing; the other tests use it too). Podman gets a copy: building it
    there too would spend ~40 s of the suite's CPU on apt and pip; msc's build through Podman's API
    has a test of its own with a small recipe (test_a_build_through_podmans_api)."""
    home = tempfile.mkdtemp(prefix="msc-podman-home-")
    try:
        env = {**os.environ, "MSC_HOME": home, "MSC_BASE_IMAGE": base_image}
        env.pop("DOCKER_HOST", None)
        built = subprocess.run([sys.executable, "-c", BUILT_TAG], env=env, capture_output=True, text=True,
                               timeout=900)
        assert built.returncode == 0, built.stderr[-2000:]
        return built.stdout.split()[-1]
    finally:
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def podman_service(base_image):
    """One service for the module, with the base image and msc's basic image copied in."""
    if os.environ.get("MSC_TEST_PODMAN") != "1":
        pytest.skip("starting a Podman service is opt-in: MSC_TEST_PODMAN=1 (scripts/test.sh sets it under CI)")
    has_catatonit = shutil.which("catatonit") or os.path.exists("/usr/libexec/podman/catatonit")
    if shutil.which("podman") is None or not has_catatonit or os.geteuid() != 0:
        pytest.fail("MSC_TEST_PODMAN=1 needs root, podman and catatonit")
    service = start_podman([base_image, basic_image_on_docker(base_image)])
    yield service
    service.stop()


@pytest.fixture
def podman(podman_service, monkeypatch, msc_home):
    """DOCKER_HOST at the Podman service; yields docker-py pointed there (the independent observer)."""
    import docker

    monkeypatch.setenv("DOCKER_HOST", podman_service.url)
    # Podman forks for every call; beside the suite's other workers its first answer may take
    # longer than msc's 3 s default to reach an engine
    msc_home.mkdir(parents=True, exist_ok=True)
    (msc_home / "config.toml").write_text("[engine]\nconnect_timeout = 20\n")
    client = docker.DockerClient(base_url=podman_service.url, timeout=60)
    yield client
    for container in client.containers.list(all=True, filters={"label": f"msc.home={msc_home}"}):
        container.remove(force=True)
    client.close()


def test_the_session_flow_on_podman(podman, msc, msc_home):
    made = msc("run", "--new", "--json", "-", input="import os, sys\nprint('out', os.getuid())\n"
                                                  "print('err', file=sys.stderr)\nsys.exit(3)\n")
    result = json.loads(made.stdout)
    assert "session" in result, result
    assert (result["exit_code"], result["stdout"], result["stderr"]) == (3, "out 1000\n", "err\n"), made.stderr
    sid = result["session"]
    container = podman.containers.get(f"msc-dev-session-{sid}")
    assert container.labels["msc.home"] == str(msc_home) and container.status == "running"

    assert msc("install", sid, "six").returncode == 0
    assert msc("run", "-s", sid, "-", input="import six\nprint(six.__name__)").stdout == "six\n"

    spawn = ("import subprocess, time\nsubprocess.Popen(['sleep', '4731'], start_new_session=True)\n"
             "print('up', flush=True)\ntime.sleep(600)\n")
    timed = msc("run", "-s", sid, "--timeout", "3", "-", input=spawn)
    assert timed.returncode == 124 and timed.stdout == "up\n"
    # The whole tree is gone (read from /proc with docker-py: Podman's /top answers it cannot parse).
    ps = ["python3", "-c", "import os\nfor p in os.listdir('/proc'):\n    if p.isdigit():\n"
          "        try: print(open(f'/proc/{p}/cmdline').read().replace(chr(0), ' '))\n"
          "        except OSError: pass"]
    deadline = time.monotonic() + 30
    while "sleep 4731" in (listing := container.exec_run(ps).output.decode()):
        assert time.monotonic() < deadline, listing
        time.sleep(0.5)
    assert "python3 -c" in listing  # the listing itself worked

    listed = json.loads(msc("ls", "--json").stdout)
    assert [s["session"] for s in listed] == [sid] and listed[0]["image"].startswith("msc-basic-")
    assert msc("rm", sid).returncode == 0
    assert not podman.containers.list(all=True, filters={"name": f"msc-dev-session-{sid}"})


def test_network_policies_on_podman(podman, msc):
    def interfaces(sid: str) -> list[str]:
        done = msc("run", "-s", sid, "-", input="import os\nprint(' '.join(sorted(os.listdir('/sys/class/net'))))")
        return done.stdout.split()

    none = json.loads(msc("run", "--new", "--network", "none", "--json", "-", input="print(1)").stdout)["session"]
    assert interfaces(none) == ["lo"]
    windowed = json.loads(msc("run", "--new", "--network", "install-only", "--json", "-",
                              input="print(1)").stdout)["session"]
    assert interfaces(windowed) == ["lo"]
    assert msc("install", windowed, "six").returncode == 0  # the installer got a network, for a moment
    assert interfaces(windowed) == ["lo"]


async def test_the_tui_follows_podman_events_and_cleanup_removes(podman, msc, msc_home):
    from msc_tui.ui.app import MscApp
    from tests.ui.pilot_helpers import log_lines, run_code, until

    app = MscApp(show_picker=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None, timeout=60)
        await run_code(pilot, "print('on podman')\n")
        await until(pilot, lambda: any(line.startswith("exit 0") for line in log_lines(pilot)), timeout=120)
        name = app.screen.current.container_name
        await until(pilot, lambda: name in app.screen.table.views, timeout=30)  # from Podman's events
        podman.containers.get(name).remove(force=True)  # behind msc's back: Podman says "remove"
        # (about 0.1 s on a quiet machine; Podman answers slowly beside the suite's other workers)
        await until(pilot, lambda: app.screen.table.views[name].status == "missing", timeout=90)
    made = msc("run", "--new", "--json", "-", input="print(1)")
    assert made.returncode == 0, (made.stdout, made.stderr)
    made = json.loads(made.stdout)["session"]
    cleaned = msc("clean", "--sessions", "--yes", "--json")
    assert cleaned.returncode == 0 and f"msc-dev-session-{made}" in json.loads(cleaned.stdout)["candidates"]
    assert not podman.containers.list(all=True, filters={"name": f"msc-dev-session-{made}"})


async def test_a_build_through_podmans_api(podman, base_image, msc_home):
    """msc's image build (the context as a tar, the log streamed, the tag and labels) on Podman."""
    from msc_tui.core.service import Msc

    tag = f"msc-test-podman-build:{os.getpid()}"
    lines: list[str] = []
    msc = await Msc.open()
    try:
        assert msc.engine.is_podman  # (its /_ping said Libpod)
        await msc.engine.images.build(f"FROM {base_image}\nCOPY note.txt /note.txt\nRUN cat /note.txt\n",
                                      {"note.txt": b"built on podman\n"}, tag, lines.append,
                                      labels={"msc.app_type": "basic_app"})
    finally:
        await msc.close()
    try:
        image = podman.images.get(tag)
        assert image.labels["msc.app_type"] == "basic_app"
        assert any("built on podman" in line for line in lines), lines
        assert podman.containers.run(tag, ["cat", "/note.txt"], remove=True) == b"built on podman\n"
    finally:
        podman.images.remove(tag, force=True)
