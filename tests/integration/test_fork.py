"""`msc fork` against the real engine: the fork's files, packages and record, the source going on
(its container, a run going in it, a follower of it); effects checked with docker-py and the
state file read as TOML, never with msc itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib

import pytest

from tests import msc_forks
from tests.conftest import remove_home_objects
from tests.integration.test_shared_sessions import read_until

pytestmark = pytest.mark.timeout(600)

FILES = ("mkdir -p /app/pkg/sub && printf deep > /app/pkg/sub/data.txt && chmod 640 /app/pkg/sub/data.txt"
         " && printf '#!/bin/sh\\necho tool\\n' > /app/tool.sh && chmod 755 /app/tool.sh"
         " && printf secret > /app/secret.txt && chmod 600 /app/secret.txt && ln -s pkg/sub/data.txt /app/link")
# A program in the source rewriting a file in /app all through the fork (the copy of /app may break
# off, and is taken again; whatever it gets, the fork must work).
CHURN = ("import itertools, time\nfor i in itertools.count():\n"
         "    with open('/app/churn.txt', 'w') as f: f.write(str(i % 10) * (i * 7919 % 2_000_000))\n"
         "    time.sleep(0.002)\n")
LISTING = ["sh", "-c", "cd /app && find . ! -name churn.txt -printf '%p %u:%g %m %y %l %s\\n' | sort"]


def out(container, argv, user="root") -> str:
    result = container.exec_run(argv, user=user)
    assert result.exit_code == 0, result.output
    return result.output.decode()


def test_a_fork_has_the_files_and_packages_not_the_runs_and_the_source_goes_on(msc, msc_home, new_session,
                                                                               docker_client, tmp_path):
    sid = new_session()  # one run ('ready') in its history
    source = docker_client.containers.get(f"msc-dev-session-{sid}")
    out(source, ["sh", "-c", FILES], user="appuser")
    assert msc("install", sid, "six").returncode == 0
    source.exec_run(["python3", "-c", CHURN], user="appuser", detach=True)
    follower = subprocess.Popen([sys.executable, "-m", "msc_tui", "logs", "--follow", sid], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    assert [line.strip() for line in read_until(follower.stdout, "ready")] == ["ready"]
    script = tmp_path / "wait.py"
    script.write_text("print('waiting', flush=True)\nprint('got', input())\n")
    going = subprocess.Popen([sys.executable, "-m", "msc_tui", "run", "-s", sid, str(script)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    read_until(follower.stdout, "waiting")

    made = msc("fork", sid, "--name", "twin", "--json")
    assert made.returncode == 0, made.stderr
    answer = json.loads(made.stdout)
    assert (answer["session"], answer["container_name"], answer["forked_from"]) == ("twin", "msc-dev-session-twin", sid)

    # The source goes on: the same container, running; the run going in it and its follower too.
    source.reload()
    assert source.status == "running" and source.id == docker_client.containers.get(source.name).id
    going.stdin.write("go\n")
    going.stdin.close()
    assert going.wait(60) == 0 and going.stdout.read() == "waiting\ngot go\n"
    assert read_until(follower.stdout, "got go")[-1] == "got go\n"
    follower.terminate()
    follower.wait(10)

    fork = docker_client.containers.get("msc-dev-session-twin")
    assert fork.status == "running" and fork.labels["msc.home"] == str(msc_home)
    assert fork.labels["msc.session"] == "twin" and fork.image.id == source.image.id
    # Files: owners, modes, a link and a nested folder as the source has them.
    listing = out(fork, LISTING)
    assert listing == out(source, LISTING)
    assert "./link appuser:appuser 777 l pkg/sub/data.txt" in listing
    assert "./secret.txt appuser:appuser 600 f" in listing and "./pkg/sub/data.txt appuser:appuser 640 f" in listing
    assert out(fork, ["cat", "/app/link"], "appuser") == "deep" and out(fork, ["/app/tool.sh"], "appuser") == "tool\n"
    # Packages: importable, the installer's (appuser cannot change them), asked for as in the source.
    assert out(fork, ["python3", "-c", "import six; print(six.__file__)"], "appuser").startswith("/opt/venv/")
    six_py = ["stat", "-c", "%U %A %Y", "/opt/venv/lib/python3.11/site-packages/six.py"]
    (owner, mode, written), (source_owner, source_mode, source_written) = (
        out(c, six_py).split() for c in (fork, source))
    assert (owner, mode) == (source_owner, source_mode) == ("installer", "-rw-r--r--")
    assert written != source_written  # installed again from this home's cache, not the source's venv copied
    # ... and compiled in the background, by the installer (appuser could not write __pycache__).
    compiled = ["stat", "-c", "%U", "/opt/venv/lib/python3.11/site-packages/__pycache__/six.cpython-311.pyc"]
    deadline = time.monotonic() + 60
    while fork.exec_run(compiled).output.decode().strip() != "installer":
        assert time.monotonic() < deadline, "six was not compiled in the fork"
        time.sleep(0.2)
    # The requested list kept in the fork (the files msc keeps it in, whichever: root's, read-only to others).
    find = ["find", "/opt/msc", "-path", "/opt/msc/requested*", "-type", "f", "-printf", "%u %m %p\n"]
    kept = out(fork, find).splitlines()
    assert kept and all(line.startswith("root 644 /opt/msc/requested") for line in kept), kept
    assert '"six"' in out(fork, ["cat", *(line.split()[2] for line in kept)])
    # Not the runs: the source's history stays there.
    assert out(fork, ["sh", "-c", "ls -A /var/lib/msc/runs 2>/dev/null; true"]) == ""
    assert out(source, ["ls", "-A", "/var/lib/msc/runs"]) != ""
    assert {row["session"]: row["forked_from"] for row in json.loads(msc("ls", "--json").stdout)} == {
        sid: None, "twin": sid}
    record = tomllib.loads((msc_home / "sessions.toml").read_text())["sessions"]["twin"]
    assert record["forked_from"] == sid and record["requested_packages"] == ["six"]
    assert any(p.startswith("six==") for p in record["installed_packages"])

    # A run in the fork works, and is the first of its history.
    ran = msc("run", "-s", "twin", "-", input="import six\nprint(open('pkg/sub/data.txt').read())\n")
    assert ran.returncode == 0 and ran.stdout == "deep\n", ran.stderr
    assert [run["id"] for run in json.loads(msc("history", "twin", "--json").stdout)["runs"]] == [1]

    # Bad input: one line, the documented exit code, no fork left behind.
    ours = {"label": f"msc.home={msc_home}"}
    before = {c.name for c in docker_client.containers.list(all=True, filters=ours)}
    for args, code, said in ((["nosuch"], 4, "unknown session 'nosuch'"),
                             ([sid, "--name", "twin"], 2, "session id 'twin' is taken"),
                             ([sid, "--name", "Not-An-Id"], 2, "bad session name 'Not-An-Id'")):
        refused = msc("fork", *args)
        assert refused.returncode == code and refused.stderr.startswith(f"msc: {said}"), refused.stderr
        assert refused.stderr.count("\n") == 1 and refused.stdout == ""
    # A fork that fails once its session is made (the source's packages cannot be listed) is removed.
    out(source, ["chmod", "000", "/opt/msc/list_packages.py"])
    failed = msc("fork", sid, "--name", "broken")
    assert failed.returncode == 1 and failed.stderr.startswith("msc: could not list packages"), failed.stderr
    assert {c.name for c in docker_client.containers.list(all=True, filters=ours)} == before
    assert "broken" not in tomllib.loads((msc_home / "sessions.toml").read_text())["sessions"]


@pytest.fixture
def pair_env(tmp_path, base_image, docker_client):
    """A second msc (another MSC_HOME) whose session is forked."""
    yield {**os.environ, "MSC_HOME": str(tmp_path / "pair-home"), "MSC_BASE_IMAGE": base_image, "MSC_AGENT": "0"}
    remove_home_objects(docker_client, tmp_path / "pair-home")


def test_a_pairs_session_forks_into_a_session_of_this_home(msc, msc_home, pair_env, docker_client):
    made = msc_forks.run(["run", "--new", "--json", "-"], input="open('theirs.txt', 'w').write('shared')",
                         timeout=300, env=pair_env)
    theirs = json.loads(made.stdout)["session"]
    # Installed from the pair's cache: this home's (empty) cannot serve it, so their venv is copied.
    installed = msc_forks.run(["install", theirs, "six"], timeout=300, env=pair_env)
    assert installed.returncode == 0, installed.stderr
    forked = msc("fork", f"msc-dev-session-{theirs}", "--json")
    assert forked.returncode == 0, forked.stderr
    fork = docker_client.containers.get(json.loads(forked.stdout)["container_name"])
    assert fork.labels["msc.home"] == str(msc_home)  # ours: listed, removed and cleaned as ours
    assert docker_client.containers.get(f"msc-dev-session-{theirs}").labels["msc.home"] == pair_env["MSC_HOME"]
    assert out(fork, ["cat", "/app/theirs.txt"]) == "shared"
    assert out(fork, ["python3", "-c", "import six; print(six.__file__)"], "appuser").startswith("/opt/venv/")
    pins = json.loads(forked.stdout)["installed_packages"]
    assert any(p.startswith("six==") for p in pins)
    listed = out(docker_client.containers.get(f"msc-dev-session-{theirs}"), ["python3", "/opt/msc/list_packages.py"],
                 "appuser")
    assert pins == [f"{name}=={version}" for name, version in json.loads(listed)]
    # Its package cache is this home's, never the pair's.
    ours = [v.name for v in docker_client.volumes.list(filters={"label": f"msc.home={msc_home}"})]
    assert [m["Name"] for m in fork.attrs["Mounts"] if m["Destination"] == "/cache"] == ours
    assert msc("rm", fork.name).returncode == 0  # this home's, no --force needed
