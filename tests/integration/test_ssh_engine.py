"""DOCKER_HOST=ssh://: the engine reached through an SSH server on loopback.

Opt-in (MSC_TEST_SSHD=1, which scripts/test.sh sets under CI=true): it starts an sshd of its
own, with its own config, host key, client key, authorized_keys and known_hosts in a temp
folder, on a free loopback port, and gives msc a HOME whose ~/.ssh/config names it by an alias.
The "remote" is this machine: sshd runs `docker system dial-stdio` against the same engine, so
docker-py checks the effects as usual.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ssh_box import ALIAS, SSHD, free_port, start_ssh_box


@pytest.fixture
def ssh_box(tmp_path, monkeypatch, msc_home, docker_client):
    """An sshd on loopback that HOME/.ssh/config calls `msc-test-box`; DOCKER_HOST points there."""
    if os.environ.get("MSC_TEST_SSHD") != "1":
        pytest.skip("starting an sshd is opt-in: MSC_TEST_SSHD=1 (scripts/test.sh sets it under CI)")
    if not Path(SSHD).exists() or shutil.which("docker") is None or os.geteuid() != 0:
        pytest.fail("MSC_TEST_SSHD=1 needs root, openssh-server and the docker CLI")
    box = start_ssh_box(tmp_path / "ssh")
    monkeypatch.setenv("HOME", str(box.home))
    monkeypatch.setenv("DOCKER_HOST", f"ssh://{ALIAS}")
    yield box
    box.stop()


def test_every_command_works_over_ssh(ssh_box, msc, msc_home, docker_client):
    doctor = json.loads(msc("doctor", "--json").stdout)
    assert doctor["endpoint"] == "ssh://msc-test-box" and doctor["error"] is None, doctor

    made = msc("run", "--new", "--json", "-", input="import sys\nprint('out')\nprint('err', file=sys.stderr)\n")
    assert made.returncode == 0, made.stderr
    result = json.loads(made.stdout)
    assert (result["stdout"], result["stderr"]) == ("out\n", "err\n")
    sid = result["session"]
    container = docker_client.containers.get(f"msc-dev-session-{sid}")  # the same engine, seen locally
    assert container.labels["msc.home"] == str(msc_home)

    assert msc("install", sid, "six").returncode == 0
    ran = msc("run", "-s", sid, "-", input="import six, sys\nprint(repr(sys.stdin.read()))\nsys.exit(4)\n")
    assert ran.returncode == 4 and ran.stdout == "''\n"  # stdin was the code: the program reads nothing
    typed = msc("run", "-s", sid, "--json", str(_script(msc_home)), input="typed\n")
    assert json.loads(typed.stdout)["stdout"] == "typed\n"

    listed = json.loads(msc("ls", "--json").stdout)
    assert [s["session"] for s in listed] == [sid]
    assert msc("rm", sid).returncode == 0
    assert not docker_client.containers.list(all=True, filters={"name": f"msc-dev-session-{sid}"})


def _script(home: Path) -> Path:
    script = home / "echo_input.py"
    script.write_text("print(input())\n")
    return script


def test_more_streams_than_sshd_allows_per_connection_all_finish(ssh_box, msc_home):
    """sshd's MaxSessions is 10: twelve runs at once on one connection, and short requests
    between them (each a channel opened and closed), wait their turn; none fails."""
    from msc_tui.core.service import Msc

    async def main():
        msc = await Msc.open(warm=False)
        try:
            record = await msc.sessions.create("basic_app")
            runs = [msc.run(record, f"import time\ntime.sleep(1)\nprint({i})\n") for i in range(12)]
            looks = [msc.engine.containers.inspect(record.container_name) for _ in range(40)]
            results = (await asyncio.gather(*runs, *looks))[:12]
            return [(r.exit_code, r.stdout) for r in results]
        finally:
            await msc.close()

    assert asyncio.run(main()) == [(0, f"{i}\n") for i in range(12)]


def test_an_unknown_host_key_is_one_line_not_a_hang(ssh_box, msc):
    ssh_box.known_hosts.write_text("")  # the box's key is no longer known
    started = time.monotonic()
    refused = msc("ls", timeout=120)
    assert refused.returncode == 3 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "ssh://msc-test-box" in refused.stderr and "Traceback" not in refused.stderr
    assert time.monotonic() - started < 10  # not a hang (a prompt, or ssh's minutes-long default)
    assert "is not in" in refused.stderr and "(`ssh msc-test-box` once" in refused.stderr  # an alias: ssh -p is its own


def _another_key(folder: Path, box) -> None:
    """The box's known_hosts line now holds another key for the same host names (a reinstalled
    host, or someone in between)."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / "other")], check=True, timeout=30)
    names = box.known_hosts.read_text().split()[0]
    box.known_hosts.write_text(f"{names} {(folder / 'other.pub').read_text().strip()}\n")


def _ssh_accepts(box) -> bool:
    """OpenSSH itself, strict, with the box's known_hosts: does it trust the box's key now?"""
    return subprocess.run(["ssh", "-p", str(box.port), "-i", str(box.known_hosts.parent / "client_key"),
                           "-o", "StrictHostKeyChecking=yes", "-o", f"UserKnownHostsFile={box.known_hosts}",
                           "-o", "BatchMode=yes", "-F", "/dev/null", "root@127.0.0.1", "true"],
                          capture_output=True, timeout=60).returncode == 0


def _policy(box, value: str) -> None:
    config = box.home / ".ssh" / "config"
    config.write_text(config.read_text() + f"    StrictHostKeyChecking {value}\n")


def test_a_changed_host_key_is_said_as_changed_with_the_line_to_remove(ssh_box, msc, tmp_path):
    _another_key(tmp_path, ssh_box)
    refused = msc("ls", timeout=120)
    assert refused.returncode == 3 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "CHANGED" in refused.stderr and "Traceback" not in refused.stderr, refused.stderr
    removal = refused.stderr.split("`")[1]
    assert removal.startswith("ssh-keygen -R ")
    assert subprocess.run(shlex.split(removal), capture_output=True, timeout=30).returncode == 0
    assert ssh_box.known_hosts.read_text().strip() == ""  # the hint removed the old line


def test_accept_new_adds_an_unknown_key_and_still_refuses_a_changed_one(ssh_box, msc, tmp_path):
    _policy(ssh_box, "accept-new")
    ssh_box.known_hosts.write_text("")
    done = msc("ls", timeout=120)
    assert done.returncode == 0, done.stderr
    assert _ssh_accepts(ssh_box)  # the key msc added is the box's own, in a line OpenSSH reads

    _another_key(tmp_path, ssh_box)
    refused = msc("ls", timeout=120)
    assert refused.returncode == 3 and "CHANGED" in refused.stderr, refused.stderr
    assert not _ssh_accepts(ssh_box)  # (nothing was added beside the other key)


def test_strict_host_key_checking_no_connects_as_ssh_does(ssh_box, msc, tmp_path):
    _another_key(tmp_path, ssh_box)
    _policy(ssh_box, "no")
    done = msc("ls", timeout=120)
    assert done.returncode == 0, done.stderr


async def test_the_tui_works_over_ssh_and_names_the_engine(ssh_box, msc_home):
    from msc_tui.ui.app import MscApp
    from tests.ui.pilot_helpers import log_lines, run_code, until

    app = MscApp(show_picker=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None, timeout=60)
        await until(pilot, lambda: "ssh://msc-test-box" in str(app.screen.query_one("#table-pane").border_subtitle))
        await run_code(pilot, "print('over ssh')\n")
        await until(pilot, lambda: any(line.startswith("exit 0") for line in log_lines(pilot)), timeout=120)
        assert "over ssh" in log_lines(pilot)
        await until(pilot, lambda: app.screen.current.container_name in app.screen.table.views, timeout=30)


def test_a_docker_context_pointing_at_the_box(ssh_box, msc, monkeypatch, docker_client):
    # The docker CLI's context store of this test's HOME (aiodocker reads ~/.docker, never DOCKER_CONFIG)
    monkeypatch.setenv("DOCKER_CONFIG", str(ssh_box.home / ".docker"))
    made = subprocess.run(["docker", "context", "create", "msc-box", "--docker", f"host=ssh://{ALIAS}"],
                          capture_output=True, text=True, timeout=30)
    assert made.returncode == 0, made.stderr
    monkeypatch.delenv("DOCKER_HOST")
    doctor = json.loads(msc("--context", "msc-box", "doctor", "--json").stdout)
    assert (doctor["context"], doctor["endpoint"], doctor["error"]) == ("msc-box", f"ssh://{ALIAS}", None)
    ran = msc("--context", "msc-box", "run", "--new", "--json", "-", input="print('via the context')")
    assert json.loads(ran.stdout)["stdout"] == "via the context\n", ran.stderr


def test_bad_endpoints_are_one_line_exit_3_within_seconds(ssh_box, msc, monkeypatch):
    # connect_timeout is 3 s; the margin is for msc's own start beside the suite's other workers
    for host in (f"ssh://root@127.0.0.1:{free_port()}", "ssh://", f"ssh://{ALIAS}:notaport"):
        monkeypatch.setenv("DOCKER_HOST", host)
        started = time.monotonic()
        done = msc("ls", timeout=60)
        assert time.monotonic() - started < 10, host
        assert done.returncode == 3 and len(done.stderr.strip().splitlines()) == 1, (host, done.stderr)
        assert "Traceback" not in done.stderr
    monkeypatch.delenv("DOCKER_HOST")
    started = time.monotonic()
    unknown = msc("--context", "no-such-context", "ls", timeout=60)
    assert unknown.returncode == 3 and time.monotonic() - started < 10 and "no-such-context" in unknown.stderr


@pytest.mark.parametrize("agent", [True, False], ids=["through the agent", "MSC_AGENT=0"])
def test_a_connection_lost_mid_run_is_one_line_naming_the_engine(ssh_box, msc_home, new_session, monkeypatch, agent):
    if not agent:
        monkeypatch.setenv("MSC_AGENT", "0")
    sid = new_session()
    running = subprocess.Popen([sys.executable, "-m", "msc_tui", "run", "-s", sid, "-"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    running.stdin.write("import time\nprint('started', flush=True)\ntime.sleep(300)\n")
    running.stdin.close()
    assert running.stdout.readline() == "started\n"
    ssh_box.kill()
    running.wait(120)
    stderr = running.stderr.read()
    assert running.returncode == 3 and len(stderr.strip().splitlines()) == 1, stderr
    assert "lost the connection to the Docker Engine at ssh://msc-test-box" in stderr, stderr
    assert f"msc history {sid}" in stderr and "Traceback" not in stderr, stderr
