"""`msc run -s S` through the run agent: the same behaviour as the usual path, from the
command line, against the real engine (effects checked with docker-py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.run_agent_box import agent_pids, served


def test_runs_through_the_agent_behave_as_the_usual_path(msc, msc_home, agents, new_session, tmp_path,
                                                        docker_client):
    sid = new_session()
    served(msc, sid)
    assert len(agent_pids(agents)) == 1

    project = tmp_path / "proj"
    project.mkdir()
    (project / "data.txt").write_text("from the project\n")
    (project / "app.py").write_text("import os, sys\nprint(open('data.txt').read().strip(), os.getuid(), input())\n"
                                    "print('err', file=sys.stderr)\nsys.exit(3)\n")
    done = subprocess.run([sys.executable, "-m", "msc_tui", "run", "-s", sid, "app.py"], cwd=project,
                          input="typed\n", text=True, capture_output=True, timeout=120, env=os.environ.copy())
    assert (done.returncode, done.stdout) == (3, "from the project 1000 typed\n")
    assert done.stderr.splitlines()[0].startswith(f"msc: project {project}") and "err\n" in done.stderr

    spawn = ("import subprocess, time\nsubprocess.Popen(['sleep', '4721'], start_new_session=True)\n"
             "print('up', flush=True)\ntime.sleep(600)\n")
    timed = msc("run", "-s", sid, "--timeout", "3", "-", input=spawn)
    assert timed.returncode == 124 and timed.stdout == "up\n" and "timed out after 3" in timed.stderr
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    assert not [p for p in container.top()["Processes"] if "sleep 4721" in p[-1]]

    unknown = msc("run", "-s", "no-such-session", "--json", "-", input="print(1)")
    assert unknown.returncode == 4 and json.loads(unknown.stdout)["error"].startswith("unknown session")
    bad = msc("run", "-s", sid, "--bogus", "-", input="print(1)")  # the usual path's argparse message
    assert bad.returncode == 2 and "unrecognized arguments: --bogus" in bad.stderr

    last = json.loads(msc("history", sid, "--json").stdout)["runs"][-1]
    assert last["face"] == "cli" and last["exit_code"] == 124 and last["timed_out"]


def test_ctrl_c_and_a_killed_msc_reach_the_program_through_the_agent(msc, msc_home, agents, new_session,
                                                                     start_msc, docker_client):
    sid = new_session()
    served(msc, sid)
    # ('up' inside the try: a Ctrl-C that came between the print and the try would skip the except)
    code = ("import time\ntry:\n    print('up', flush=True)\n    time.sleep(600)\n"
            "except KeyboardInterrupt:\n    print('interrupted', flush=True)\n    raise\n")
    process = start_msc("run", "-s", sid, "-", code=code)
    assert process.stdout.readline() == "up\n"
    process.send_signal(signal.SIGINT)
    assert process.stdout.readline() == "interrupted\n"
    assert process.wait(60) == 130 and "KeyboardInterrupt" in process.stderr.read()

    process = start_msc("run", "-s", sid, "-", code="import time\nprint('up', flush=True)\ntime.sleep(4722)\n")
    assert process.stdout.readline() == "up\n"
    process.kill()  # as a closed terminal would: the program does not outlive its msc
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    deadline = time.monotonic() + 60
    while [p for p in container.top()["Processes"] if "4722" in p[-1]]:
        assert time.monotonic() < deadline, "the program outlived the msc that ran it"
        time.sleep(0.5)
    assert msc("run", "-s", sid, "-", input="print('after')").stdout == "after\n"


def test_the_agent_is_per_home_and_ends_when_its_socket_goes(msc, msc_home, agents, new_session, monkeypatch,
                                                            tmp_path):
    sid = new_session()
    served(msc, sid)
    other = tmp_path / "other-home"
    monkeypatch.setenv("MSC_HOME", str(other))
    msc("ls")  # another home: its own agent would be started by its own runs, never this one used
    monkeypatch.setenv("MSC_HOME", str(msc_home))
    (pid,) = agent_pids(agents)
    for sock in agents.glob("*.sock"):
        sock.unlink()
    deadline = time.monotonic() + 60
    while Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
        assert time.monotonic() < deadline, "the agent outlived its socket"
        time.sleep(0.5)
    off = msc("run", "-s", sid, "--json", "-", input="print(2)")  # no agent: the usual path, still right
    assert json.loads(off.stdout)["stdout"] == "2\n"
