"""The run agent keeps no truth of its own: each request sees what a fresh `msc` would
(records, the engine's endpoint, the container, forgotten install windows). Effects are
checked with docker-py."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.install_window import leave_a_window_open, networks_of
from tests.run_agent_box import served

HOSTNAME_AND_PROOF = "import socket\nopen('/app/proof.txt', 'w').write('{token}')\nprint(socket.gethostname())\n"


def run_proof(msc, docker_client, sid: str, token: str) -> dict:
    """A run through the agent that leaves a file; checked in the session's container."""
    done = msc("run", "-s", sid, "--json", "-", input=HOSTNAME_AND_PROOF.format(token=token))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["run_path"] == "warm", "not answered by the agent"
    assert result["stdout"] == f"msc-dev-session-{sid}\n"
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    assert container.exec_run(["cat", "/app/proof.txt"]).output.decode() == token
    return result


def test_a_session_restored_under_the_agent_runs_through_it(msc, agents, new_session, docker_client):
    sid = new_session()
    served(msc, sid)
    before = docker_client.containers.get(f"msc-dev-session-{sid}").id
    assert msc("rm", "--keep-record", sid).returncode == 0
    restored = msc("restore", sid)
    assert restored.returncode == 0, restored.stderr
    assert docker_client.containers.get(f"msc-dev-session-{sid}").id != before
    for attempt in range(3):
        run_proof(msc, docker_client, sid, f"restored-{attempt}")


def docker_cli(*args: str) -> None:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert done.returncode == 0, done.stderr


def test_the_agent_follows_a_docker_context_switch(msc, agents, new_session, docker_client, tmp_path, monkeypatch):
    if os.environ.get("DOCKER_HOST") or os.environ.get("DOCKER_CONTEXT"):
        pytest.skip("DOCKER_HOST or DOCKER_CONTEXT wins over the current context")
    home = tmp_path / "home"  # the docker CLI's contexts and current context: ~/.docker
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    sid = new_session()
    served(msc, sid)

    nowhere = tmp_path / "no-engine.sock"
    docker_cli("context", "create", "msc-test-nowhere", "--docker", f"host=unix://{nowhere}")
    docker_cli("context", "use", "msc-test-nowhere")
    doctor = msc("doctor")
    assert str(nowhere) in doctor.stdout + doctor.stderr
    off = msc("run", "-s", sid, "-", input="open('/app/proof.txt', 'w').write('never')\n")
    assert (off.returncode, off.stdout) == (3, "")
    assert off.stderr.startswith(f"msc: no Docker Engine at unix://{nowhere}")
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    assert container.exec_run(["cat", "/app/proof.txt"]).exit_code != 0  # it did not run anywhere

    second_path = tmp_path / "engine.sock"  # the same engine by another path: a new connection works
    second_path.symlink_to("/var/run/docker.sock")
    docker_cli("context", "create", "msc-test-again", "--docker", f"host=unix://{second_path}")
    docker_cli("context", "use", "msc-test-again")
    run_proof(msc, docker_client, sid, "second path")
    docker_cli("context", "use", "default")
    run_proof(msc, docker_client, sid, "default again")


def test_the_agent_closes_a_window_a_killed_install_left_open(msc, agents, new_session, docker_client):
    sid = new_session(network="install-only")
    served(msc, sid)
    leave_a_window_open(docker_client, sid)

    interfaces = "import os\nprint(' '.join(sorted(os.listdir('/sys/class/net'))))\n"
    done = msc("run", "-s", sid, "--json", "-", input=interfaces)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["run_path"] == "warm"
    assert json.loads(done.stdout)["stdout"] == "lo\n"  # the user's code had no way out
    assert "closed the network window an interrupted install left open" in done.stderr
    assert networks_of(docker_client, sid) == set()
