"""Another local user cannot take over the run agent (issue #23). Opt-in (MSC_TEST_UNIX_USERS=1):
it adds a Unix user and lowers fs.protected_symlinks for its duration, and puts both back."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.run_agent_box import stop_agents

ATTACKER = Path(__file__).resolve().parent.parent / "fake_agent_attacker.py"
RUNS = 40

pytestmark = [
    pytest.mark.skipif(os.environ.get("MSC_TEST_UNIX_USERS") != "1",
                       reason="adds a Unix user and lowers fs.protected_symlinks: MSC_TEST_UNIX_USERS=1"),
    pytest.mark.alone,  # the sysctl is the machine's: no other test runs meanwhile
]


@pytest.fixture
def other_user():
    """A second Unix user: (uid, gid), removed with its home afterwards."""
    name = f"msct{secrets.token_hex(4)}"
    subprocess.run(["useradd", "--create-home", "--user-group", "--shell", "/usr/sbin/nologin", name],
                   check=True, capture_output=True)
    try:
        entry = subprocess.run(["id", "-u", name], check=True, capture_output=True, text=True).stdout
        group = subprocess.run(["id", "-g", name], check=True, capture_output=True, text=True).stdout
        yield int(entry), int(group)
    finally:
        # Its processes (a killed group's members may still be exiting) end before the user goes.
        deadline = time.monotonic() + 30
        while subprocess.run(["pgrep", "-u", name], capture_output=True).returncode == 0:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
            assert time.monotonic() < deadline, f"processes of {name} outlived the test"
            time.sleep(0.1)
        subprocess.run(["userdel", "--remove", name], check=True, capture_output=True)


@pytest.fixture
def symlinks_unprotected():
    """fs.protected_symlinks = 0 (links in sticky world-writable folders followed), as some hosts have."""
    knob = Path("/proc/sys/fs/protected_symlinks")
    old = knob.read_text().strip()
    knob.write_text("0")
    yield
    knob.write_text(old)


def test_another_user_racing_symlinks_never_serves_the_victims_runs(msc, msc_home, new_session, docker_client,
                                                                   monkeypatch, other_user, symlinks_unprotected):
    sid = new_session()
    race = Path(tempfile.mkdtemp(prefix="msc-race-", dir="/tmp"))  # a shared folder, as /tmp is
    race.chmod(0o1777)
    victim_old, victim_runtime = race / "victim-old", race / "victim-runtime"  # 0700 folders of the victim
    victim_old.mkdir(0o700)
    victim_runtime.mkdir(0o700)
    old_path, runtime = race / f"msc-agents-{os.getuid()}", race / "runtime"
    (race / "attacker.py").write_bytes(ATTACKER.read_bytes())
    (race / "attacker.py").chmod(0o644)
    uid, gid = other_user
    attacker = subprocess.Popen(["/usr/bin/python3", str(race / "attacker.py"), str(race),
                                 f"{old_path}={victim_old}", f"{runtime}={victim_runtime}"],
                                user=uid, group=gid, extra_groups=[], cwd=race, stdout=subprocess.PIPE,
                                env={"PATH": "/usr/bin:/bin"}, start_new_session=True)
    try:
        assert attacker.stdout.readline() == b"ready\n"
        monkeypatch.setenv("MSC_AGENT", "1")
        monkeypatch.setenv("TMPDIR", str(race))  # where today's agent lived
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))  # a runtime folder another user can swap
        container = docker_client.containers.get(f"msc-dev-session-{sid}")
        paths = []
        for i in range(RUNS):
            token = secrets.token_hex(8)
            code = f"import socket\nopen('/app/proof-{i}.txt', 'w').write('{token}')\nprint(socket.gethostname())\n"
            done = msc("run", "-s", sid, "--json", "-", input=code)
            assert done.returncode == 0 and done.stdout.startswith("{"), f"run {i}: {done}"
            result = json.loads(done.stdout)
            assert result["stdout"] == f"msc-dev-session-{sid}\n", f"run {i}: {done}"
            assert container.exec_run(["cat", f"/app/proof-{i}.txt"]).output.decode() == token, f"run {i}"
            paths.append(result["run_path"])
        assert "warm" in paths, "no run went through the victim's own agent: the race was not run against it"
        served = race / "att" / "served.jsonl"
        assert not served.exists(), f"the attacker served: {served.read_text()}"
        victims = [str(p) for p in (race / "att").rglob("*") if p.lstat().st_uid == os.getuid()]
        assert victims == [], "the victim wrote into the attacker's folder"
    finally:
        os.killpg(attacker.pid, signal.SIGKILL)  # the attacker and the flippers it forked
        attacker.wait()
        stop_agents(victim_old, victim_runtime, msc_home, race / "att")
        shutil.rmtree(race)

