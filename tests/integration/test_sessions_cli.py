"""Images, sessions and runs through the real CLI; effects checked with docker-py."""

from __future__ import annotations

import asyncio
import getpass
import json
import os
import signal
import subprocess
import sys
import time
import tomllib

import pytest
import tomli_w

from tests import msc_forks
from tests.conftest import container_names, remove_home_objects

# `msc run -s` goes through the run agent in every test but these four, which pin MSC_AGENT=0 so the
# direct path (the run in the msc process itself) stays covered: the JSON result, live output, the
# timeout, and Ctrl-C twice.
direct_path = pytest.mark.usefixtures("direct_path")

RESULT_KEYS = {"success", "exit_code", "stdout", "stderr", "duration_s", "timed_out", "container_available",
               "container_supports_pip_install", "installed_packages", "container_name", "session"}


def records(home) -> dict:
    return tomllib.loads((home / "sessions.toml").read_text())["sessions"]


def test_build_once_then_answer_from_the_existing_image(msc, docker_client):
    first = msc("build", "--app-type", "basic_app", "--json")
    assert first.returncode == 0, first.stderr
    image = json.loads(first.stdout)["image"]
    assert image.startswith("msc-basic-")
    labels = docker_client.images.get(image).labels
    assert labels["msc.app_type"] == "basic_app" and image.endswith(labels["msc.recipe"][:12])
    second = msc("build", "--app-type", "basic_app", "--json")
    assert json.loads(second.stdout) | {"seconds": 0} == {"app_type": "basic_app", "image": image,
                                                          "built": False, "seconds": 0}
    assert second.stderr == ""  # JSON mode prints nothing but the result


def test_gui_image_has_tk_and_a_non_root_user(msc, docker_client):
    tag = json.loads(msc("build", "--app-type", "gui_app", "--json").stdout)["image"]
    docker_client.images.remove(tag, noprune=True)  # force a build; the layer cache keeps it quick
    built = msc("build", "--app-type", "gui_app")
    assert built.returncode == 0, built.stderr
    assert "building: step 1 of" in built.stderr and "building: done" in built.stderr  # step n of m
    assert built.stdout.startswith(f"built: {tag} (")
    image = tag
    out = docker_client.containers.run(image, ["python3", "-c", "import tkinter, os; print(os.getuid())"],
                                       remove=True, labels={"msc.test": "1"})
    assert out.strip() == b"1000"


def remove_with_children(docker_client, image_id: str) -> None:
    """An image and the images built on it (a build's cached steps), children first."""
    import docker

    # (one listing call: docker-py's images.list inspects each image, and fails when another
    # test removes one meanwhile)
    for child in docker_client.api.images(all=True):
        if child.get("ParentId") == image_id:
            remove_with_children(docker_client, child["Id"])
    try:
        docker_client.images.remove(image_id, force=True)
    except docker.errors.ImageNotFound:  # gone with its last child (an untagged parent is pruned)
        pass


def test_failing_build_names_the_step(msc, monkeypatch, docker_client):
    # A local base with no shell: the first RUN step fails, and no registry is contacted.
    import io
    import tarfile

    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        info = tarfile.TarInfo("README")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"empty"))
    imported = docker_client.api.import_image_from_data(data.getvalue(), repository="msc-test-noshell", tag="1")
    monkeypatch.setenv("MSC_BASE_IMAGE", "msc-test-noshell:1")
    try:
        done = msc("build", "--app-type", "web_app")
    finally:  # (each import is a new image: it and its build's cached steps would be left dangling)
        remove_with_children(docker_client, json.loads(imported)["status"])
    assert done.returncode == 1
    error = done.stderr.strip().splitlines()[-1]
    assert "Traceback" not in done.stderr
    assert error.startswith("msc: building msc-web-") and "Step 4/" in error and "RUN groupadd" in error
    assert "---> " not in error  # the builder's own chatter is not the reason


def test_run_creates_a_labelled_hardened_session_and_records_it(msc, msc_home, docker_client, tmp_path):
    script = tmp_path / "hello.py"
    script.write_text("import os, sys\nprint('out', os.getuid())\nprint('err', file=sys.stderr)\nsys.exit(3)\n")
    done = msc("run", "--new", str(script))
    assert done.returncode == 3
    assert done.stdout == "out 1000\n" and "err\n" in done.stderr
    (sid, record), = records(msc_home).items()
    assert record["session_files"] == ["hello.py"] and record["app_type"] == "basic_app"
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    assert container.status == "running"  # survived the failed run
    assert container.labels["msc.session"] == sid and container.labels["msc.app_type"] == "basic_app"
    # programs run as appuser (above: uid 1000); root, the runner's recorder, gets back only these
    assert container.attrs["HostConfig"]["CapDrop"] == ["ALL"] and container.attrs["Config"]["User"] == "root"
    assert sorted(container.attrs["HostConfig"]["CapAdd"]) == ["KILL", "SETGID", "SETUID"]
    assert container.exec_run(["hostname"]).output.decode().strip() == container.name  # in a shell's prompt
    # the default CPU limit leaves the host a core
    assert container.attrs["HostConfig"]["NanoCpus"] == max(1, docker_client.info()["NCPU"] - 1) * 10**9
    assert container.exec_run(["cat", "/app/hello.py"]).output.decode() == script.read_text()
    assert (msc_home / "sessions" / sid / "hello.py").read_text() == script.read_text()


@direct_path
def test_json_result_and_reuse_by_id_and_by_name(msc, new_session):
    sid = new_session()
    by_id = msc("run", "--session", sid, "--json", "-", input="x = 1\nprint(x + 1)\n")
    result = json.loads(by_id.stdout)
    assert RESULT_KEYS <= set(result)
    assert result["success"] and result["exit_code"] == 0 and result["stdout"] == "2\n"
    assert result["container_name"] == f"msc-dev-session-{sid}" and result["session"] == sid
    assert result["container_available"] and result["container_supports_pip_install"]
    by_name = msc("run", "--session", f"msc-dev-session-{sid}", "--json", "-", input="import nope_x\n")
    failed = json.loads(by_name.stdout)
    assert by_name.returncode == 1 and not failed["success"]
    assert failed["error"]["name"] == "ModuleNotFoundError" and failed["missing_packages"] == []
    assert failed["unresolved_imports"] == ["nope_x"] and failed["install_error"] is None  # never guessed
    assert 'File "/app/main.py", line 1' in failed["stderr"] and "<string>" not in failed["stderr"]


@direct_path
def test_output_streams_live(new_session, start_msc, docker_client):
    sid = new_session()
    # The program ends only once the test has seen its first line (or after 60 s if it never does).
    process = start_msc("run", "-s", sid, "-", code="import os, time\nprint('first', flush=True)\n"
                                                   "for _ in range(600):\n"
                                                   "    if os.path.exists('/tmp/seen'): break\n"
                                                   "    time.sleep(0.1)\n"
                                                   "print('second', os.path.exists('/tmp/seen'))\n")
    assert process.stdout.readline() == "first\n"
    docker_client.containers.get(f"msc-dev-session-{sid}").exec_run(["touch", "/tmp/seen"])
    assert process.stdout.readline() == "second True\n"  # "first" arrived while the program still ran
    assert process.wait(30) == 0


@direct_path
def test_timeout_exits_124_and_kills_the_program(msc, new_session, docker_client):
    sid = new_session()
    done = msc("run", "-s", sid, "--timeout", "1", "-",
               input="import subprocess, time\nsubprocess.Popen(['sleep', '321'])\ntime.sleep(60)\n")
    assert done.returncode == 124 and "timed out" in done.stderr
    processes = docker_client.containers.get(f"msc-dev-session-{sid}").top()["Processes"]
    assert not [p for p in processes if "sleep 321" in p[-1] or "main.py" in p[-1]]


@direct_path
def test_ctrl_c_reaches_the_program_first_then_kills_the_tree(msc, new_session, docker_client, start_msc):
    sid = new_session()
    code = ("import subprocess, time\nsubprocess.Popen(['sleep', '331'])\n"
            "try:\n    print('started', flush=True)\n    time.sleep(60)\nexcept KeyboardInterrupt:\n"
            "    print('caught', flush=True)\n    time.sleep(332)\n")  # (a Ctrl-C right after 'started' is caught)
    process = start_msc("run", "-s", sid, "-", code=code)
    assert process.stdout.readline() == "started\n"
    process.send_signal(signal.SIGINT)
    assert process.stdout.readline() == "caught\n"  # the first Ctrl-C is the program's KeyboardInterrupt
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 130
    assert process.stderr.read().strip().splitlines()[-1] == "msc: interrupted; the program's process tree was killed"
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    assert container.status == "running"
    left = lambda: [p[-1] for p in container.top()["Processes"] if "33" in p[-1] or "python3" in p[-1]]  # noqa: E731
    deadline = time.monotonic() + 15  # (killed processes may take a moment to be reaped on a loaded machine)
    while left() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left()
    again = msc("run", "-s", sid, "-", input="print('still here')")
    assert again.stdout == "still here\n"


def test_a_single_ctrl_c_is_a_keyboard_interrupt_in_the_program(new_session, start_msc):
    sid = new_session()
    process = start_msc("run", "-s", sid, "-", code="import time\nprint('started', flush=True)\ntime.sleep(331)\n")
    assert process.stdout.readline() == "started\n"
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 130  # Python ends on an uncaught KeyboardInterrupt as SIGINT would
    assert process.stderr.read().strip().splitlines()[-1] == "KeyboardInterrupt"


def test_bad_input_is_one_line_with_documented_exit_codes(msc, new_session, tmp_path):
    cases = [
        (("run", "-s", "nosuch", "-"), 4, "unknown session 'nosuch'"),
        (("run", "--new", str(tmp_path / "absent.py")), 4, "no such file"),
        (("run", "--new", "--app-type", "spaceship_app", "-"), 2, "invalid choice"),
        (("rm", "msc-dev-session-nosuch"), 4, "unknown session or container"),
        (("clean", "--older-than", "soon", "--yes"), 2, "bad duration"),
        (("packages", "nosuch"), 4, "unknown session"),
    ]
    for args, code, text in cases:
        done = msc(*args, input="print(1)")
        assert done.returncode == code, (args, done.stderr)
        assert text in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)


def test_broken_config_is_reported_with_key_and_file(msc, msc_home):
    msc_home.mkdir(parents=True, exist_ok=True)
    (msc_home / "config.toml").write_text('[limits]\nmemory = 5\n')
    done = msc("ls")
    assert done.returncode == 2
    assert done.stderr.strip() == f"msc: {msc_home / 'config.toml'}: limits.memory must be a string, not 5"


def test_ls_rm_keep_record_and_restore(msc, msc_home, new_session, docker_client):
    sid = new_session()
    msc("run", "-s", sid, "--name", "lib.py", "-", input="VALUE = 41\n")
    listed = json.loads(msc("ls", "--json", "--size").stdout)
    row, = [r for r in listed if r["session"] == sid]
    assert row["status"] == "running" and row["app_type"] == "basic_app" and row["size_rw"] is not None

    assert msc("rm", "--keep-record", sid).returncode == 0
    assert not docker_client.containers.list(all=True, filters={"name": f"msc-dev-session-{sid}"})
    gone = msc("run", "-s", sid, "-", input="print(1)")
    assert gone.returncode == 4 and f"msc restore {sid}" in gone.stderr

    restored = msc("restore", sid)
    assert restored.returncode == 0, restored.stderr
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    assert container.exec_run(["cat", "/app/lib.py"]).output == b"VALUE = 41\n"
    ran = msc("run", "-s", sid, "-", input="import lib\nprint(lib.VALUE + 1)\n")
    assert ran.stdout == "42\n", ran.stderr

    assert msc("rm", sid).returncode == 0
    assert sid not in records(msc_home)


def test_ls_all_and_clean_never_touch_foreign_containers(msc, new_session, raw_container, docker_client):
    stale, fresh = new_session(), new_session()
    docker_client.containers.get(f"msc-dev-session-{stale}").stop(timeout=1)
    foreign = raw_container()
    foreign.stop(timeout=1)
    assert foreign.name not in msc("ls").stdout
    assert foreign.name in msc("ls", "--all").stdout

    dry = json.loads(msc("clean", "--stopped", "--older-than", "0s", "--dry-run", "--json").stdout)
    assert dry["candidates"] == [f"msc-dev-session-{stale}"] and dry["removed"] == []
    refused = msc("clean", "--stopped", "--json")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    done = json.loads(msc("clean", "--stopped", "--yes", "--json").stdout)
    assert done["removed"] == [f"msc-dev-session-{stale}"]
    names = container_names(docker_client)
    assert f"msc-dev-session-{stale}" not in names
    assert f"msc-dev-session-{fresh}" in names and foreign.name in names


def test_rm_refuses_what_is_not_this_homes_without_force(msc, new_session, raw_container, docker_client, tmp_path,
                                                        base_image):
    foreign = raw_container()
    refused = msc("rm", foreign.name)
    assert refused.returncode == 2 and refused.stderr.strip().splitlines() == [
        f"msc: {foreign.name} is not an msc container; pass --force to remove it anyway"]
    foreign.reload()  # docker-py: it is still there
    assert foreign.status == "running"

    pair_home = tmp_path / "pair-home"
    pair = msc_forks.run(["run", "--new", "--json", "-"], input="print(1)", timeout=300,
                         env={**os.environ, "MSC_HOME": str(pair_home), "MSC_BASE_IMAGE": base_image})
    assert pair.returncode == 0, pair.stderr
    theirs = json.loads(pair.stdout)["container_name"]
    try:
        refused = msc("rm", theirs)
        whose = f"a session of another msc home ({getpass.getuser()}: {pair_home})"
        assert refused.returncode == 2 and whose in refused.stderr
        assert docker_client.containers.get(theirs).status == "running"
    finally:
        remove_home_objects(docker_client, pair_home)

    mine = new_session()
    assert msc("rm", mine).returncode == 0  # this home's: no --force needed
    assert msc("rm", "--force", foreign.name).returncode == 0
    names = container_names(docker_client)
    assert foreign.name not in names and f"msc-dev-session-{mine}" not in names


def test_corrupt_state_file_is_moved_aside_and_rebuilt_from_labels(msc, msc_home, new_session):
    sid = new_session()
    (msc_home / "sessions.toml").write_text("this is [not toml")
    done = msc("ls", "--json")
    assert done.returncode == 0
    assert len(done.stderr.strip().splitlines()) == 1 and "corrupt" in done.stderr
    assert [r["session"] for r in json.loads(done.stdout)] == [sid]
    assert list(msc_home.glob("sessions.toml.corrupt-*"))
    assert records(msc_home)[sid]["session_files"] == ["main.py"]


def test_state_that_is_garbage_deleted_or_truncated_is_rebuilt_with_packages(msc, msc_home, new_session):
    first, second = new_session(), new_session()
    assert msc("install", first, "six").returncode == 0
    state = msc_home / "sessions.toml"
    kept = state.read_text()
    for damage in ("garbage", "deleted", "truncated"):
        if damage == "garbage":
            state.write_bytes(bytes(range(256)) * 4)
        elif damage == "deleted":
            state.unlink()
        else:  # valid TOML that lost the first session
            data = tomllib.loads(kept)
            del data["sessions"][first]
            state.write_text(tomli_w.dumps(data))
        done = msc("ls", "--json")
        assert done.returncode == 0 and len(done.stderr.strip().splitlines()) == 1, (damage, done.stderr)
        assert "Traceback" not in done.stderr
        assert {r["session"] for r in json.loads(done.stdout)} >= {first, second}, damage
        assert any(p.startswith("six==") for p in records(msc_home)[first]["installed_packages"]), damage
        assert msc("run", "-s", first, "-", input="import six; print('ok')").stdout == "ok\n", damage


def test_a_record_never_sends_a_run_into_a_container_that_is_not_its_session(msc, msc_home, new_session,
                                                                            raw_container):
    sid = new_session()
    other = raw_container()
    state = msc_home / "sessions.toml"
    state.write_text(state.read_text().replace(f'"msc-dev-session-{sid}"', f'"{other.name}"'))
    done = msc("run", "-s", sid, "-", input="open('/tmp/planted', 'w').write('x')\n")
    assert done.returncode == 4 and "is not this session's container" in done.stderr
    assert other.exec_run(["test", "-e", "/tmp/planted"]).exit_code == 1  # nothing ran there
    assert other.exec_run(["test", "-e", "/app/main.py"]).exit_code == 1


@direct_path  # one exec per run: afterwards nothing of msc's may be left either (a warm server would)
def test_a_fork_bomb_at_the_pids_limit_is_killed_by_the_timeout(msc, new_session, docker_client):
    sid = new_session()
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    done = msc("run", "-s", sid, "--timeout", "3", "-", input=bomb, timeout=300)
    assert done.returncode == 124, done.stderr
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    deadline = time.monotonic() + 60

    def left() -> list[str]:  # all but init and sleep (the bomb's forks look like msc's runner)
        commands = [p[-1] for p in container.top(ps_args="-ww -o pid,args")["Processes"]]
        return [c for c in commands if not c.startswith(("/sbin/docker-init", "sleep"))]

    while left():
        assert time.monotonic() < deadline, f"left running: {left()}"
        time.sleep(0.5)
    assert msc("run", "-s", sid, "-", input="print('usable')").stdout == "usable\n"


def test_a_run_that_writes_past_the_disk_limit_is_stopped_with_one_line(msc, msc_home, docker_client):
    msc_home.mkdir(parents=True, exist_ok=True)
    (msc_home / "config.toml").write_text('[limits]\ndisk = "30m"\n')
    writer = ("import time\nwith open('/tmp/big.bin', 'wb') as f:\n    for _ in range(600):\n"
              "        f.write(b'x' * 2**20)\n        f.flush()\n        time.sleep(0.02)\nprint('wrote it all')\n")
    done = msc("run", "--new", "-", input=writer, timeout=300)
    assert done.returncode == 137 and "wrote it all" not in done.stdout
    assert "over [limits] disk (30m)" in done.stderr and "Traceback" not in done.stderr
    (sid, _), = records(msc_home).items()
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    written = int(container.exec_run(["stat", "-c", "%s", "/tmp/big.bin"]).output)
    assert 30 * 2**20 < written < 600 * 2**20  # stopped soon after the limit, long before the end
    assert container.status == "running"  # the session keeps working
    assert msc("run", "-s", sid, "-", input="import os\nos.remove('/tmp/big.bin')\nprint('ok')").stdout == "ok\n"


def test_out_of_memory_and_outside_kills_are_explained(msc, msc_home, docker_client):
    msc_home.mkdir(parents=True, exist_ok=True)
    (msc_home / "config.toml").write_text('[limits]\nmemory = "96m"\n')
    hog = "chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 2**20))\n"
    done = msc("run", "--new", "--json", "-", input=hog)
    result = json.loads(done.stdout)
    assert result["exit_code"] == 137 and result["oom_killed"] is True
    text = msc("run", "-s", result["session"], "-", input=hog)
    assert text.returncode == 137 and "killed: out of memory (the session's limit is 96m" in text.stderr
    # the session survives its program's death
    assert msc("run", "-s", result["session"], "-", input="print('alive')").stdout == "alive\n"
    killed = msc("run", "-s", result["session"], "--json", "-", input="import os, signal\nos.kill(os.getpid(), 9)\n")
    assert json.loads(killed.stdout)["oom_killed"] is False


def test_shell_hands_the_terminal_to_a_shell_as_appuser(msc, new_session):
    sid = new_session()
    done = msc("shell", sid, input="id -un; pwd; exit 0\n")
    assert done.returncode == 0 and done.stdout.split() == ["appuser", "/app"]


def test_doctor_reports_engine_and_fails_cleanly_without_one(msc, monkeypatch, base_image):
    good = json.loads(msc("doctor", "--json").stdout)
    assert good["ok"] and good["api_version"] and good["engine_version"]
    assert good["base_image"] == base_image and good["base_image_present"] is True
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    bad = msc("doctor")
    assert bad.returncode == 3 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "unix:///nonexistent.sock" in bad.stderr


def test_unreachable_engine_for_every_command_is_one_line(msc, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent.sock")
    for args in (("ls",), ("run", "--new", "-"), ("install", "x", "six")):
        done = msc(*args, input="print(1)")
        assert done.returncode == 3 and "Traceback" not in done.stderr
        assert done.stderr.strip().count("\n") == 0 and "nonexistent.sock" in done.stderr


def test_in_a_terminal_run_offers_to_reuse_an_existing_session(msc_home, new_session, tmp_path):
    import pty

    sid = new_session()
    script = tmp_path / "where.py"
    script.write_text("import socket\nprint('in', socket.gethostname())\n")
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "msc_tui", "run", str(script)], stdin=slave,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    os.close(slave)
    os.write(master, b"1\n")
    out, err = process.communicate(timeout=60)
    os.close(master)
    assert "Found 1 existing development container:" in err and f"msc-dev-session-{sid}" in err
    assert f"Using existing container: msc-dev-session-{sid}" in err
    assert process.returncode == 0 and out.startswith("in ")
    assert len(records(msc_home)) == 1  # no new session was made


def test_bytes_that_are_not_utf8_do_not_break_a_run(msc, new_session):
    sid = new_session()
    done = msc("run", "-s", sid, "--json", "-",
               input="import sys\nsys.stdout.buffer.write(b'ok \\xff\\xfe end\\n')\n"
                     "sys.stderr.buffer.write(b'\\xc3')\n")
    result = json.loads(done.stdout)
    assert result["success"] and result["stdout"] == "ok \ufffd\ufffd end\n" and result["stderr"] == "\ufffd"


def test_ls_table_shows_the_image(msc, new_session):
    sid = new_session()
    header, row = msc("ls").stdout.splitlines()[:2]
    assert "IMAGE" in header and "msc-basic-" in row and sid in row


def test_a_multi_file_script_runs_like_python_would_run_it(msc, msc_home, tmp_path):
    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    (project / "app.py").write_text("from shop.cart import total\nimport pricing\nprint(total(3) * pricing.RATE)\n")
    (project / "pricing.py").write_text("RATE = 2\n")
    (project / "shop" / "__init__.py").write_text("")
    (project / "shop" / "cart.py").write_text("def total(n):\n    return n * 7\n")
    done = msc("run", "--new", str(project / "app.py"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "42\n" and f"msc: project {project} (the script's folder): sent 4 of 4 files" in done.stderr
    (sid, record), = records(msc_home).items()
    assert record["session_files"] == ["app.py"]  # the project's other files live in the project


def test_malformed_session_names_and_timeouts_are_refused_before_anything_happens(msc, msc_home, docker_client):
    for args, words in [
        (("run", "-s", "../", "-"), "no session '../'"),
        (("run", "-s", "a;rm -rf /", "-"), "no session 'a;rm -rf /'"),
        (("rm", "x" * 10_000), "no session '" + "x" * 40 + "…'"),  # never echoed whole
        (("cp", "%2e%2e:/app/x", "."), "no session '%2e%2e'"),
    ]:
        done = msc(*args, input="print(1)")
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, (args, done.stderr)
        assert words in done.stderr and "unexpected" not in done.stderr, (args, done.stderr)
    for value in ("nan", "-5", "1e999", "soon"):
        done = msc("run", "--new", "--timeout", value, "-", input="print(1)")
        assert done.returncode == 2 and "Traceback" not in done.stderr, (value, done.stderr)
        assert done.stderr.splitlines()[-1].startswith("msc run: error: argument --timeout: must be"), done.stderr
    assert not docker_client.containers.list(all=True, filters={"label": f"msc.home={msc_home}"})


def test_a_session_whose_container_cannot_start_leaves_nothing_behind(msc_home, docker_client):
    """The engine takes a CPU share below its minimum at create and refuses it only at start
    (config.toml refuses it first; the core must not leave a Created container either way)."""
    import dataclasses

    from msc_tui.config import load_settings
    from msc_tui.core.service import Msc
    from msc_tui.errors import MscError

    async def create() -> str:
        msc = await Msc.open(dataclasses.replace(load_settings(), cpus=0.001), warm=False)
        try:
            await msc.sessions.create()
        except MscError as exc:
            return str(exc)
        finally:
            await msc.close()
        return "created"

    said = asyncio.run(create())
    assert said != "created" and "\n" not in said
    assert not docker_client.containers.list(all=True, filters={"label": f"msc.home={msc_home}"})


def _on_a_terminal(argv: list[str], stdin_too: bool, code: bytes = b"", term: str = "screen-256color",
                   typed: bytes = b"") -> tuple[int, str, str]:
    """msc with its stdout (and with `stdin_too` its stdin, `typed` ahead) on a pseudo-terminal of
    100x30: its exit code, what it showed there, and its stderr."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "msc_tui", *argv], stdout=slave, stderr=subprocess.PIPE,
                               stdin=slave if stdin_too else subprocess.PIPE, env={**os.environ, "TERM": term})
    os.close(slave)
    if stdin_too:
        os.write(master, typed)
    else:
        process.stdin.write(code)
        process.stdin.close()
    shown = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    code = process.wait(60)
    os.close(master)
    return code, shown.decode().replace("\r\n", "\n"), process.stderr.read().decode()


def test_programs_know_when_a_terminal_shows_their_output_and_curses_works_with_tty(msc, new_session, tmp_path):
    sid = new_session()
    probe = "import os\nprint([os.environ.get(k) for k in ('TERM', 'FORCE_COLOR', 'CLICOLOR_FORCE')])\n"
    assert msc("run", "-s", sid, "-", input=probe).stdout == "[None, None, None]\n"  # a pipe: no colour
    on_json = json.loads(msc("run", "-s", sid, "--json", "-", input=probe).stdout)
    assert on_json["stdout"] == "[None, None, None]\n"
    _, shown, _ = _on_a_terminal(["run", "-s", sid, "-"], stdin_too=False, code=probe.encode())
    assert "['screen-256color', '1', '1']" in shown  # the viewer's TERM and the usual signals to colour
    _, shown, _ = _on_a_terminal(["run", "-s", sid, "--json", "-"], stdin_too=False, code=probe.encode())
    assert json.loads(shown)["stdout"] == "[None, None, None]\n"  # --json on a terminal: still data

    (tmp_path / "curses_app.py").write_text(
        "import curses, os\ncurses.setupterm()\n"
        "print('colours', curses.tigetnum('colors'), 'size', tuple(os.get_terminal_size()), os.environ['TERM'])\n")
    code, shown, _ = _on_a_terminal(["run", "-s", sid, "--tty", str(tmp_path / "curses_app.py")], stdin_too=True,
                                    term="xterm-256color")
    assert code == 0 and "colours 256 size (100, 30) xterm-256color" in shown, shown


def test_in_a_terminal_enter_reuses_the_last_session_and_the_hint_names_the_command(msc, new_session, tmp_path):
    sid = new_session()
    (tmp_path / "needs_yaml.py").write_text("import yaml\n")
    code, _, said = _on_a_terminal(["run", str(tmp_path / "needs_yaml.py")], stdin_too=True, typed=b"\n")
    assert code == 1 and f"Using existing container: msc-dev-session-{sid}" in said, said
    assert (f"missing packages: pyyaml (msc install {sid} pyyaml, or msc run -s {sid} --auto-install "
            f"{tmp_path / 'needs_yaml.py'})") in said, said
