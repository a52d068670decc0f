"""Projects in a shared session: whose files a run uses, what never travels, and files that
are written while msc sends them. Real engine; what the session holds is read with docker-py."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading

from tests import msc_forks
from tests.conftest import remove_home_objects


def msc_in(env: dict, folder, *args, stdout=None, stderr=None, timeout=300):
    """The real `msc` started from `folder` with the environment `env` (output captured, or
    written to the files given)."""
    return msc_forks.run(args, cwd=folder, env=env, stdout=stdout, stderr=stderr, timeout=timeout)


def listing(container, folder="/app") -> list[str]:
    """Every file and folder under /app but Python's own caches (the program's imports write them)."""
    found = container.exec_run(["find", folder, "-mindepth", "1", "-name", "__pycache__", "-prune", "-o",
                                "-print"]).output.decode().split()
    return sorted(path.removeprefix(folder + "/") for path in found)


def test_a_pair_alternating_in_one_session_each_run_uses_its_own_files(msc_home, tmp_path, docker_client):
    roots = {}
    for who in ("alice", "bob"):
        root = roots[who] = tmp_path / f"{who}-project"
        root.mkdir()
        (root / "helpers.py").write_text(f"WHO = {who!r}\n")
        (root / "data.txt").write_text(f"{who}'s data\n")
        (root / "app.py").write_text("import helpers\nprint(helpers.WHO, open('data.txt').read().strip())\n")
    (roots["alice"] / "notes.md").write_text("alice's own\n")  # bob's project has none: deleted on his runs
    envs = {"alice": {**os.environ, "USER": "alice", "LOGNAME": "alice"},
            "bob": {**os.environ, "USER": "bob", "LOGNAME": "bob", "MSC_HOME": str(tmp_path / "bob-home")}}
    try:
        first = msc_in(envs["alice"], roots["alice"], "run", "--new", "--json", "app.py")
        assert first.returncode == 0, first.stderr
        session = f"msc-dev-session-{json.loads(first.stdout)['session']}"
        container = docker_client.containers.get(session)
        host = socket.gethostname()
        for _ in range(2):
            for who, other in (("bob", "alice"), ("alice", "bob")):
                done = msc_in(envs[who], roots[who], "run", "-s", session, "app.py")
                assert done.returncode == 0, done.stderr
                assert done.stdout == f"{who} {who}'s data\n"  # its own helpers.py and data.txt
                assert f"msc: project: replaced 2 files {other}@{host} sent: data.txt, helpers.py\n" in done.stderr
                deleted = f"msc: project: deleted 1 file alice@{host} sent: notes.md\n"
                assert (deleted in done.stderr) == (who == "bob"), done.stderr
                assert container.exec_run(["cat", "/app/data.txt"]).output.decode() == f"{who}'s data\n"
        again = msc_in(envs["alice"], roots["alice"], "run", "-s", session, "app.py")
        assert again.stdout == "alice alice's data\n" and again.stderr == ""  # nothing to send: nothing said
    finally:
        remove_home_objects(docker_client, tmp_path / "bob-home")


def test_a_script_in_the_home_folder_travels_alone_with_its_imports(msc_home, tmp_path, docker_client):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY----- fake\n")
    (home / ".bash_history").write_text("export TOKEN=secret\n")
    (home / "notes.txt").write_text("private notes\n")
    (home / "helpers.py").write_text("X = 41\n")
    (home / "fix.py").write_text("import helpers\nprint(helpers.X + 1)\n")
    env = {**os.environ, "HOME": str(home)}
    done = msc_in(env, home, "run", "--new", "--json", "fix.py")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["stdout"] == "42\n"
    container = docker_client.containers.get(f"msc-dev-session-{result['session']}")
    assert listing(container) == ["fix.py", "helpers.py"]  # nothing else of the home folder
    said = [line for line in done.stderr.splitlines() if line.startswith("msc: project")]
    assert said == [f"msc: project: {home} is your home folder, which never travels: only fix.py and the local "
                    "modules it imports (2 files)"]
    rerun = msc_in(env, home, "run", "-s", result["session"], "fix.py")
    assert rerun.stdout == "42\n" and rerun.stderr == ""  # said once, when the files travelled


def test_credentials_and_msc_state_never_travel_and_modes_are_kept(msc_home, tmp_path, docker_client):
    root = tmp_path  # MSC_HOME (tmp_path/msc-home) lies inside this project
    msc_home.mkdir()
    (msc_home / "config.toml").write_text("")
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    for secret in (".ssh/id_rsa", ".aws/credentials", ".netrc", ".python_history", "sub/.git-credentials",
                   ".docker/config.json", ".kube/config", ".pypirc", ".gnupg/private.key", ".env", "sub/.env.local"):
        (root / secret).parent.mkdir(parents=True, exist_ok=True)
        (root / secret).write_text("secret\n")
    (root / ".env.example").write_text("TOKEN=\n")  # a template travels
    (root / "token.txt").write_text("mine only\n")
    (root / "token.txt").chmod(0o600)
    (root / "run.sh").write_text("#!/bin/sh\necho ran\n")
    (root / "run.sh").chmod(0o755)
    (root / "app.py").write_text("import subprocess\nprint(open('token.txt').read().strip())\n"
                                 "print(subprocess.run(['./run.sh'], capture_output=True, text=True).stdout.strip())\n")
    done = msc_in(dict(os.environ), root, "run", "--new", "--json", "app.py")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["stdout"] == "mine only\nran\n"
    container = docker_client.containers.get(f"msc-dev-session-{result['session']}")
    assert listing(container) == [".env.example", "app.py", "pyproject.toml", "run.sh", "token.txt"]
    modes = container.exec_run(["stat", "-c", "%a %U", "/app/token.txt", "/app/run.sh"]).output.decode().split("\n")
    assert modes[:2] == ["600 appuser", "755 appuser"]
    unreadable = container.exec_run(["cat", "/app/token.txt"], user="installer")  # another user of the session
    assert unreadable.exit_code != 0
    assert result["project"]["left_out"] == [".aws", ".docker", ".env", ".gnupg", ".kube", ".netrc", ".pypirc",
                                             ".python_history", ".ssh", "msc-home", "sub/.env.local",
                                             "sub/.git-credentials"]
    said = [line for line in done.stderr.splitlines() if "left out" in line]
    assert len(said) == 1 and ": .aws, .docker, .env, .gnupg, .kube, ... (7 more)" in said[0]


def test_files_written_while_msc_reads_the_folder_never_fail_a_run(msc_home, tmp_path, docker_client):
    root = tmp_path / "busy"
    root.mkdir()
    (root / "app.py").write_text("import os\nprint(sorted(os.listdir('.')))\n")
    first = msc_in(dict(os.environ), root, "run", "--new", "--json", "app.py")
    session = json.loads(first.stdout)["session"]
    log = root / "growing.log"
    log.write_bytes(b"x" * 8 * 2**20)
    stop = threading.Event()

    def keep_writing():  # a job appending to its log in the project all the time
        with log.open("ab") as handle:
            while not stop.is_set():
                handle.write(b"line\n")
                handle.flush()
                stop.wait(0.001)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        for n in range(3):  # msc's own stdout and stderr go into the project folder
            with open(root / f"out-{n}.txt", "w") as out, open(root / f"err-{n}.log", "w") as err:
                done = msc_in(dict(os.environ), root, "run", "-s", session, "app.py", stdout=out, stderr=err)
            assert done.returncode == 0, (root / f"err-{n}.log").read_text()
            seen = (root / f"out-{n}.txt").read_text()
            assert "growing.log" in seen and f"out-{n}.txt" not in seen and f"err-{n}.log" not in seen
        both = []
        for n in range(2):  # two runs at once from the same folder, each writing its result there
            with open(root / f"c-{n}.json", "w") as out:
                both.append(subprocess.Popen([sys.executable, "-m", "msc_tui", "run", "--json", "-s", session,
                                              "app.py"], cwd=root, stdout=out, stderr=subprocess.PIPE, text=True))
        for n, process in enumerate(both):
            assert process.wait(timeout=300) == 0, process.stderr.read()
            assert json.loads((root / f"c-{n}.json").read_text())["success"]
    finally:
        stop.set()
        writer.join()
    done = msc_in(dict(os.environ), root, "run", "-s", session, "app.py")
    assert done.returncode == 0
    container = docker_client.containers.get(f"msc-dev-session-{session}")
    size = container.exec_run(["stat", "-c", "%s", "/app/growing.log"]).output.decode().strip()
    assert int(size) == log.stat().st_size  # once still, the whole file
