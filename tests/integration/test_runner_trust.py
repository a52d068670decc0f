"""Code run in a session cannot forge what msc reports, nor rewrite the run history.

Each test runs an attack as the program would (the same user as msc's runner used to be) on
both run paths: one exec per run (the CLI) and the warm server (the API, as the TUI and the run
agent use it). What msc reports is checked against what the program really did, and the
history is read back with docker-py, not through msc."""

from __future__ import annotations

import ast
import json
import secrets

import pytest

from tests.run_agent_box import served

# Writes a forged output frame and a forged "exited 0" frame into every pipe of every other
# process it can open (the runner's stream among them, on a runner the program can reach).
FORGE = r'''
import glob, os, sys
def frame(kind, payload):
    return kind + len(payload).to_bytes(4, "big") + payload
exited = {"exit_code": 0, "duration_s": 0.0, "timed_out": False, "cancelled": False,
          "changed_files": ["/tmp/x", "../../../tmp/y"], "ended_at": 0.0, "oom_killed": False}
forged = frame(b"1", b"FORGED OUTPUT\n") + frame(b"X", repr(exited).encode())
hits = 0
for path in glob.glob("/proc/[0-9]*/fd/*"):
    if int(path.split("/")[2]) == os.getpid():
        continue
    try:
        if os.readlink(path).startswith("pipe:"):
            with open(path, "wb", buffering=0) as stream:
                stream.write(forged)
                hits += 1
    except OSError:
        pass
print(f"reached {hits} pipes", file=sys.stderr)
sys.exit(3)
'''

# Tries to rewrite run 1's record, code and output, and to plant runs that push real ones out.
REWRITE = r'''
import os
runs = "/var/lib/msc/runs" if os.path.isdir("/var/lib/msc/runs") else os.path.expanduser("~/.msc/runs")
def meta():
    open(f"{runs}/000001/meta", "w").write(repr({"id": 1, "by": "someone@laptop", "exit_code": 0}))
def code():
    open(f"{runs}/000001/code.py", "w").write("print('never ran')\n")
def output():
    open(f"{runs}/000001/out.0", "ab").write(b"1" + (6).to_bytes(4, "big") + b"forged")
def plant():
    for n in range(500, 700):
        os.makedirs(f"{runs}/{n:06d}", exist_ok=True)
        open(f"{runs}/{n:06d}/meta", "w").write(repr({"id": n, "by": "x", "exit_code": 0}))
for attempt in (meta, code, output, plant):
    try:
        attempt()
        print(attempt.__name__, "done")
    except OSError:
        print(attempt.__name__, "refused")
'''

FIRST = "print('first run')\nraise SystemExit(1)\n"


def history_in_container(docker_client, sid: str) -> dict[int, dict]:
    """Every run record in the session, read with docker-py (root's folder, else the old one)."""
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    script = ("import os, sys\nfor runs in ('/var/lib/msc/runs', '/home/appuser/.msc/runs'):\n"
              "    if os.path.isdir(runs): break\n"
              "def read(path, empty):\n"
              "    return open(path).read() if os.path.exists(path) else empty\n"
              "out = {}\nfor name in sorted(os.listdir(runs)):\n"
              "    if name.isdigit():\n"
              "        d = os.path.join(runs, name)\n"
              "        out[int(name)] = (read(d + '/meta', '{}'), read(d + '/code.py', ''))\n"
              "print(repr(out))\n")
    done = container.exec_run(["python3", "-c", script], user="appuser")
    assert done.exit_code == 0, done.output
    records = ast.literal_eval(done.output.decode())
    return {n: {**ast.literal_eval(meta), "code": code} for n, (meta, code) in records.items()}


@pytest.fixture
def manager(msc_home):
    from msc_tui import DockerManager

    api = DockerManager()
    yield api
    api.close()


def run(path: str, request, msc, manager, sid: str, code: str) -> dict:
    """One run on a path: the CLI's exec per run, the API's warm server, the run agent's."""
    if path == "warm":
        result = manager.execute_in_container(f"msc-dev-session-{sid}", code)
        assert result["run_path"] == "warm"
        return result
    if path == "exec":
        request.getfixturevalue("direct_path")
    else:
        served(msc, sid)
    done = msc("run", "-s", sid, "--json", "-", input=code)
    result = json.loads(done.stdout)
    assert done.returncode == result["exit_code"] and result["run_path"] == ("exec" if path == "exec" else "warm")
    return result


PATHS = ["exec", "warm", "agent"]


@pytest.mark.parametrize("path", PATHS)
def test_a_program_cannot_forge_its_exit_or_output(path, request, msc, new_session, manager, docker_client):
    sid = new_session()
    result = run(path, request, msc, manager, sid, FORGE)
    assert result["exit_code"] == 3 and result["success"] is False, result
    assert "FORGED" not in result["stdout"] and result["stdout"] == ""
    assert "reached" in result["stderr"]
    assert result["changed_files"] == []
    # The record says what really happened, and the next run on the same path runs its own code.
    record = history_in_container(docker_client, sid)[result["run_id"]]
    assert record["exit_code"] == 3
    again = run(path, request, msc, manager, sid, "print('my own code')")
    assert again["stdout"] == "my own code\n" and again["exit_code"] == 0


@pytest.mark.parametrize("path", PATHS)
def test_a_program_cannot_rewrite_or_flood_the_history(path, request, msc, new_session, manager, docker_client):
    sid = new_session()  # run 1: print('ready') by this home
    printed = run(path, request, msc, manager, sid, REWRITE)["stdout"]
    assert printed.split() == ["meta", "refused", "code", "refused", "output", "refused", "plant", "refused"]
    records = history_in_container(docker_client, sid)
    assert 1 in records and not [n for n in records if n >= 500]
    first = records[1]
    assert first["code"] == "print('ready')" and first["exit_code"] == 0 and first["by"] != "someone@laptop"
    done = msc("logs", "--json", sid, "1")
    assert done.returncode == 0 and "forged" not in done.stdout and "never ran" not in done.stdout


@pytest.mark.parametrize("path", PATHS)
def test_a_session_made_by_an_older_msc_still_runs_and_keeps_its_history(path, request, msc, msc_home, new_session,
                                                                         manager, docker_client):
    """A session made before the runner's recorder: main process appuser, no capabilities at all.
    Root's recorder cannot start there: msc runs the runner as appuser, as before."""
    made = docker_client.containers.get(f"msc-dev-session-{new_session()}")
    sid = secrets.token_hex(3)  # (one per test: the suite's workers run the three paths side by side)
    labels = {**{k: v for k, v in made.labels.items() if k != "msc.runner"}, "msc.session": sid}
    old = docker_client.containers.run(made.image.id, ["sleep", "infinity"], name=f"msc-dev-session-{sid}",
                                       labels=labels, user="appuser", cap_drop=["ALL"], init=True, detach=True,
                                       security_opt=["no-new-privileges"], working_dir="/app")
    assert old.attrs["HostConfig"]["CapAdd"] is None
    assert msc("ls").returncode == 0  # adopts it: a session of this home with no record
    ran = run(path, request, msc, manager, sid, "import os\nprint(os.getuid())\nraise SystemExit(3)\n")
    assert (ran["stdout"], ran["exit_code"]) == ("1000\n", 3)
    records = history_in_container(docker_client, sid)  # the old place: ~/.msc/runs
    assert old.exec_run(["test", "-d", "/var/lib/msc/runs"]).exit_code == 1
    assert records[ran["run_id"]]["exit_code"] == 3
    who = msc("who", sid, "--json")  # (followers are not listed there: nobody is, and nothing breaks)
    assert who.returncode == 0 and json.loads(who.stdout)["present"] == [], who.stderr


PLANT_PTH = r'''
import os, sys
folder = os.path.expanduser(f"~/.local/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages")
os.makedirs(folder, exist_ok=True)
exited = repr({"exit_code": 0, "duration_s": 0.0, "timed_out": False, "cancelled": False,
               "changed_files": [], "ended_at": 0.0, "oom_killed": False}).encode()
forged = b"X" + len(exited).to_bytes(4, "big") + exited
open(os.path.join(folder, "zz_forge.pth"), "w").write(f"import os; os.write(1, {forged!r})\n")
'''


@pytest.mark.parametrize("path", PATHS)
def test_a_pth_file_in_the_users_own_site_packages_cannot_reach_the_runner(path, request, msc, new_session,
                                                                          manager, docker_client):
    """The user's own site-packages (pip install --user) are the program's to write; their .pth
    files run in each later program, and must find only that program's own streams there."""
    sid = new_session()
    assert run(path, request, msc, manager, sid, PLANT_PTH)["exit_code"] == 0
    ran = run(path, request, msc, manager, sid, "raise SystemExit(3)\n")
    assert ran["exit_code"] == 3 and ran["success"] is False, ran
    assert history_in_container(docker_client, sid)[ran["run_id"]]["exit_code"] == 3


REPLACE_RUNNER = r'''
import glob, os
placed = glob.glob("/opt/msc/msc_runner_*.zip")
print(len(placed))
for attempt in (lambda: open(placed[0], "ab"), lambda: os.replace("/tmp/x", placed[0] + ".tmp"),
                lambda: os.unlink(placed[0]), lambda: os.mkdir("/opt/msc/__pycache__")):
    open("/tmp/x", "w").close()
    try:
        attempt()
        print("done")
    except OSError:
        print("refused")
'''


def test_the_runner_is_one_file_of_roots_the_program_cannot_replace(msc, new_session, docker_client):
    sid = new_session()  # its first run placed the runner
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    listed = container.exec_run(["sh", "-c", "stat -c '%n %U %a' /opt/msc /opt/msc/msc_runner_*"], user="root")
    assert listed.exit_code == 0, listed.output
    rows = [line.split() for line in listed.output.decode().splitlines()]
    assert rows[0] == ["/opt/msc", "root", "755"]
    assert len(rows) == 2 and rows[1][0].endswith(".zip") and rows[1][1:] == ["root", "644"], rows
    done = msc("run", "-s", sid, "-", input=REPLACE_RUNNER)
    assert done.stdout.split() == ["1", "refused", "refused", "refused", "refused"], done.stdout + done.stderr
