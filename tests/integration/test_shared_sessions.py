"""Shared sessions: program input, run history kept in the container, following runs live.

Each test drives the real `msc` (or the API) against the real engine; a second MSC_HOME plays
the pair on another account. Effects are checked with docker-py where msc could fool itself.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

import pytest

from msc_tui import DockerManager
from tests import msc_forks

ASK = "name = input('name? ')\nprint('hello', name)\n"


@pytest.fixture
def other_home(tmp_path, base_image):
    """The environment of a second msc on another account: its own MSC_HOME."""
    home = tmp_path / "pair-home"
    return {**os.environ, "MSC_HOME": str(home), "MSC_BASE_IMAGE": base_image}


def msc_as(env, *args, input=None, timeout=120) -> subprocess.CompletedProcess:
    return msc_forks.run(args, input=input, timeout=timeout, env=env)


def start_as(env, *args, stdin=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "msc_tui", *args], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


_unread: dict[int, bytes] = {}


def read_until(stream, wanted: str, timeout: float = 60) -> list[str]:
    """Lines from a pipe until one contains `wanted` (fails after a generous deadline).
    Reads the raw descriptor, so nothing hides in a file object's buffer from select()."""
    fd, lines, deadline = stream.fileno(), [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        while b"\n" in _unread.get(fd, b""):
            line, _unread[fd] = _unread[fd].split(b"\n", 1)
            lines.append(line.decode() + "\n")
            if wanted in lines[-1]:
                return lines
        if select.select([fd], [], [], 0.5)[0]:
            data = os.read(fd, 65536)
            if not data:
                break
            _unread[fd] = _unread.get(fd, b"") + data
    raise AssertionError(f"{wanted!r} not seen; got {lines}")


def test_stdin_from_a_pipe_and_from_a_file(msc, new_session, tmp_path):
    sid = new_session()
    script = tmp_path / "ask.py"
    script.write_text(ASK + "import sys\nprint('rest', sys.stdin.read().split())\n")
    piped = msc("run", "-s", sid, str(script), input="bob\nx y z\n")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == "name? hello bob\nrest ['x', 'y', 'z']\n"

    given = tmp_path / "in.txt"
    given.write_text("carol\nlast\n")
    with open(given) as stdin:
        from_file = subprocess.run([sys.executable, "-m", "msc_tui", "run", "-s", sid, str(script)], stdin=stdin,
                                   capture_output=True, text=True, timeout=120)
    assert from_file.stdout == "name? hello carol\nrest ['last']\n"


def test_code_from_stdin_leaves_the_program_an_empty_stdin(msc, new_session):
    sid = new_session()
    done = msc("run", "-s", sid, "-", input="import sys\nprint(repr(sys.stdin.read()))\n")
    assert done.returncode == 0 and done.stdout == "''\n"


def test_input_after_the_program_exited_is_dropped(msc, new_session):
    sid = new_session()
    done = msc("run", "-s", sid, "-", input="print('no reading')\n")
    assert done.returncode == 0
    many = msc("run", "-s", sid, "-", input="import sys\nsys.stdin.close()\nprint('closed')\n")
    assert many.returncode == 0 and many.stdout == "closed\n" and many.stderr == ""


def test_a_terminal_user_answers_input_and_drives_pdb(msc, new_session, tmp_path, msc_home):
    sid = new_session()
    script = tmp_path / "debug_me.py"
    script.write_text("x = 41\nname = input('who? ')\nbreakpoint()\nprint('done', name, x)\n")
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "msc_tui", "run", "-s", sid, str(script)],
                               stdin=follower, stdout=follower, stderr=follower, env=os.environ.copy(),
                               start_new_session=True)
    os.close(follower)
    seen = b""

    def expect(text: bytes, timeout: float = 60) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while text not in seen:
            assert time.monotonic() < deadline, f"{text!r} not seen in {seen[-400:]!r}"
            if select.select([leader], [], [], 0.5)[0]:
                seen += os.read(leader, 4096)

    expect(b"who? ")
    os.write(leader, b"dana\n")
    expect(b"(Pdb) ")
    os.write(leader, b"p x + 1\n")
    expect(b"42")
    os.write(leader, b"c\n")
    expect(b"done dana 41")
    assert process.wait(60) == 0
    os.close(leader)


def test_concurrent_runs_of_one_file_name_each_run_their_own_code(new_session, start_msc, msc):
    sid = new_session()
    # each run waits until the other one is going too: they overlap, or neither gets past line 4
    meet = ("import os, time\nopen('/tmp/{me}-up', 'w').close()\ndeadline = time.monotonic() + 60\n"
            "while not os.path.exists('/tmp/{other}-up'): assert time.monotonic() < deadline; time.sleep(0.05)\n")
    first = meet.format(me="a", other="b") + "raise ValueError('from first')  # first's line\n"
    second = meet.format(me="b", other="a") + "x = 1\nraise KeyError('from second')  # second's line\n"
    a = start_msc("run", "-s", sid, "--name", "pair.py", "-", code=first)
    b = start_msc("run", "-s", sid, "--name", "pair.py", "-", code=second)
    a.wait(120), b.wait(120)
    a_err, b_err = a.stderr.read(), b.stderr.read()
    assert 'File "/app/pair.py", line 5' in a_err and "first's line" in a_err and "second" not in a_err
    assert 'File "/app/pair.py", line 6' in b_err and "second's line" in b_err and "first" not in b_err
    assert "is going in this session too" not in a_err  # the same person: no warning
    runs = json.loads(msc("history", sid, "--json").stdout)["runs"]
    assert [r["exit_code"] for r in runs[-2:]] == [1, 1]


def test_history_survives_restarts_and_is_readable_from_another_home(msc, new_session, other_home, tmp_path):
    sid = new_session()
    script = tmp_path / "report.py"
    script.write_text("import sys\nprint('out line')\nprint('err line', file=sys.stderr)\nsys.exit(3)\n")
    assert msc("run", "-s", sid, str(script)).returncode == 3
    name = f"msc-dev-session-{sid}"

    # The pair's first look finds none of its own, and is told where the others are.
    first_look = msc_as(other_home, "ls").stdout
    assert first_look.startswith("no sessions of this home; ") and first_look.endswith("of other homes: msc ls --all\n")
    listed = msc_as(other_home, "history", name, "--json")  # another msc process, another home
    assert listed.returncode == 0, listed.stderr
    runs = json.loads(listed.stdout)["runs"]
    last = runs[-1]
    assert (last["file"], last["face"], last["exit_code"], last["state"]) == ("report.py", "cli", 3, "finished")
    assert "@" in last["by"] and last["duration_s"] >= 0

    logs = msc_as(other_home, "logs", name, str(last["id"]), "--json")
    record = json.loads(logs.stdout)
    assert record["stdout"] == "out line\n" and record["stderr"] == "err line\n"
    assert record["code"] == script.read_text()
    plain = msc_as(other_home, "logs", sid)  # the latest run by default, streams apart
    note, *program = plain.stderr.splitlines(keepends=True)  # msc says once whose the session is
    assert plain.stdout == "out line\n" and "".join(program) == "err line\n"
    assert note.startswith(f"msc: note: {name} is a session of another msc home")
    table = msc("history", sid)
    assert "report.py" in table.stdout and "exit 3" in table.stdout


def test_a_pair_in_another_home_follows_a_run_live(new_session, other_home, tmp_path):
    sid = new_session()
    follower = start_as(other_home, "logs", "--follow", f"msc-dev-session-{sid}")
    script = tmp_path / "main.py"
    script.write_text("for i in range(3):\n    print('step', i, flush=True)\nprint('got', input())\n")
    # The latest run ("ready", from new_session) first; the new run starts only once the
    # follower is there (else which run is "the latest" depends on who starts first).
    assert [l.strip() for l in read_until(follower.stdout, "ready")] == ["ready"]
    run = subprocess.Popen([sys.executable, "-m", "msc_tui", "run", "-s", sid, str(script)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    lines = read_until(follower.stdout, "step 2")
    assert [l.strip() for l in lines] == ["step 0", "step 1", "step 2"]
    assert run.poll() is None  # the follower saw them while the run was still waiting for input
    run.stdin.write("go\n")
    run.stdin.close()
    assert run.wait(60) == 0
    assert read_until(follower.stdout, "got go")[-1] == "got go\n"
    assert "(cli) main.py" in read_until(follower.stderr, "── run")[-1]
    closing = read_until(follower.stderr, ": exit 0")
    assert not [line for line in closing if "None" in line]  # the run's file write is no run
    follower.terminate()
    follower.wait(10)


def test_a_late_follower_sees_the_running_run_from_its_start(new_session, other_home):
    sid = new_session()
    code = "import time\nprint('first line', flush=True)\ntime.sleep(4)\nprint('last line', flush=True)\n"
    run = subprocess.Popen([sys.executable, "-m", "msc_tui", "run", "-s", sid, "-"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    run.stdin.write(code)
    run.stdin.close()
    assert run.stdout.readline() == "first line\n"
    follower = start_as(other_home, "logs", "--follow", sid)
    lines = read_until(follower.stdout, "last line")
    assert [l.strip() for l in lines] == ["first line", "last line"]
    assert run.wait(60) == 0
    follower.terminate()
    follower.wait(10)


def test_following_a_session_that_is_removed_ends_with_one_line(new_session, other_home, docker_client):
    sid = new_session()
    follower = start_as(other_home, "logs", "--follow", sid)
    time.sleep(2)
    docker_client.containers.get(f"msc-dev-session-{sid}").remove(force=True)
    code = follower.wait(60)
    err = follower.stderr.read().strip()
    assert code == 4, err
    assert err.splitlines()[-1] == f"msc: session {sid} was removed while being followed", err


def test_unknown_sessions_and_runs_exit_4_with_one_line(msc, new_session):
    sid = new_session()
    for args, message in [(("logs", "nosuch"), "unknown session 'nosuch'"),
                          (("history", "nosuch"), "unknown session 'nosuch'"),
                          (("logs", sid, "999"), "no run 999"),
                          (("logs", "--follow", sid, "999"), "no run 999")]:
        done = msc(*args)
        assert done.returncode == 4, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr


def test_a_run_goes_on_when_its_history_cannot_be_written(msc, new_session, docker_client):
    sid = new_session()
    container = docker_client.containers.get(f"msc-dev-session-{sid}")
    # The runs folder made unwritable for its owner (root's recorder): the same failure as a full disk.
    assert container.exec_run(["chmod", "555", "/var/lib/msc/runs"], user="root").exit_code == 0
    done = msc("run", "-s", sid, "-", input="print('still runs')\n")
    assert done.returncode == 0 and done.stdout == "still runs\n"
    warnings = [l for l in done.stderr.splitlines() if "history not kept" in l]
    assert len(warnings) == 1 and warnings[0].startswith("msc: warning:")


def test_another_client_stops_a_run_and_its_whole_tree(new_session, start_msc, docker_client, other_home):
    import asyncio

    from msc_tui.core.service import Msc

    sid = new_session()
    process = start_msc("run", "-s", sid, "-",
                        code="import subprocess, time\nsubprocess.Popen(['sleep', '351'])\n"
                             "print('up', flush=True)\ntime.sleep(352)\n")
    assert process.stdout.readline() == "up\n"
    name = f"msc-dev-session-{sid}"

    async def stop_from_elsewhere():
        os.environ["MSC_HOME"], home = other_home["MSC_HOME"], os.environ["MSC_HOME"]
        try:
            msc = await Msc.open()
            try:
                going = [r for r in await msc.runs.history(name) if r["state"] == "going"]
                assert len(going) == 1
                return await msc.runs.stop(name, going[0]["id"])
            finally:
                await msc.close()
        finally:
            os.environ["MSC_HOME"] = home

    assert asyncio.run(stop_from_elsewhere())
    assert process.wait(60) == 137  # killed from elsewhere, not interrupted here
    assert "stopped by" in process.stderr.read()
    processes = docker_client.containers.get(name).top()["Processes"]
    assert not [p for p in processes if "35" in p[-1] and "sleep" in p[-1]]


def test_the_api_takes_stdin_as_str_or_bytes(msc_home):
    with DockerManager() as dm:
        name = dm.create_session(app_type="basic_app")
        text = dm.execute_in_container(name, ASK, stdin="erin\n")
        assert text["stdout"] == "name? hello erin\n" and text["run_id"] >= 1
        data = dm.execute_in_container(name, "import sys\nprint(sys.stdin.buffer.read())\n", stdin=b"\x00\xff")
        assert data["stdout"] == "b'\\x00\\xff'\n"
        empty = dm.execute_in_container(name, ASK)
        assert empty["error"]["name"] == "EOFError"


def test_a_full_terminal_hides_a_password_and_has_the_terminal_size(new_session, tmp_path):
    sid = new_session()
    script = tmp_path / "login.py"
    script.write_text("import getpass, os, sys\nprint('tty', sys.stdin.isatty(), os.get_terminal_size().columns)\n"
                      "secret = getpass.getpass('password: ')\nprint('length', len(secret))\n")
    leader, follower = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 91, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "msc_tui", "run", "--tty", "-s", sid, str(script)],
                               stdin=follower, stdout=follower, stderr=follower, env=os.environ.copy(),
                               start_new_session=True)
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 60
    while b"password: " not in seen and time.monotonic() < deadline:
        if select.select([leader], [], [], 0.5)[0]:
            seen += os.read(leader, 4096)
    os.write(leader, b"hunter2\r")
    while b"length 7" not in seen and time.monotonic() < deadline:
        if select.select([leader], [], [], 0.5)[0]:
            seen += os.read(leader, 4096)
    assert process.wait(60) == 0
    os.close(leader)
    assert b"tty True 91" in seen and b"length 7" in seen
    assert b"hunter2" not in seen  # the terminal in the session did not echo it


def test_starting_a_run_while_a_pair_runs_prints_one_note(new_session, other_home):
    sid = new_session()
    theirs = start_as(other_home, "run", "-s", f"msc-dev-session-{sid}", "-", stdin=subprocess.PIPE)
    theirs.stdin.write("import time\nprint('theirs', flush=True)\ntime.sleep(30)\n")
    theirs.stdin.close()
    assert theirs.stdout.readline() == "theirs\n"
    mine = msc_forks.run(["run", "-s", sid, "-"], input="print('mine')\n", timeout=120)
    assert mine.returncode == 0 and mine.stdout == "mine\n"
    notes = [l for l in mine.stderr.splitlines() if "is going in this session too" in l]
    assert len(notes) == 1 and "(cli, main.py)" in notes[0] and notes[0].startswith("msc: note: run ")
    theirs.kill()
    theirs.wait(30)
