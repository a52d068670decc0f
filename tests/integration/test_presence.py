"""Presence: who follows a session, seen from another MSC_HOME (`msc who`), kept by root in the
session so that a program there can neither plant nor remove an entry. The real engine; the
entries are checked with docker-py too."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

PRESENCE = "/var/lib/msc/runs/presence"


@pytest.fixture
def bob_home(tmp_path, base_image):
    """A second msc on another account: its own MSC_HOME and user name."""
    return {**os.environ, "MSC_HOME": str(tmp_path / "bob-home"), "MSC_BASE_IMAGE": base_image,
            "USER": "bob", "LOGNAME": "bob"}


def follow_as(env, sid: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "msc_tui", "logs", "--follow", sid], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def who(msc, sid: str) -> list[dict]:
    done = msc("who", sid, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["present"]


def wait_for(check, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.2)
    return found


def entries_in(docker_client, sid: str) -> list[str]:
    """The entry files on disk, by docker-py, not by msc."""
    done = docker_client.containers.get(f"msc-dev-session-{sid}").exec_run(["ls", "-ln", PRESENCE], user="root")
    return [line for line in done.output.decode().splitlines() if not line.startswith("total")]


bob_at = f"bob@{socket.gethostname()}"


def test_who_lists_a_follower_from_another_home_until_it_ends(msc, new_session, bob_home, docker_client):
    sid = new_session()
    follower = follow_as(bob_home, sid)
    try:
        present = wait_for(lambda: [p for p in who(msc, sid) if p["by"] == bob_at], "bob's follower not listed")
        assert [(p["face"], p["what"]) for p in present] == [("cli", "following")]
        files = entries_in(docker_client, sid)
        assert len(files) == 1 and files[0].split()[2:4] == ["0", "0"]  # root's, in root's folder
        text = msc("who", sid)
        assert text.returncode == 0 and bob_at in text.stdout and "following" in text.stdout
    finally:
        follower.terminate()
        follower.wait(timeout=30)
    wait_for(lambda: not who(msc, sid), "the follower's entry outlived it")
    wait_for(lambda: entries_in(docker_client, sid) == [], "the entry file stayed on disk")


def test_a_follower_killed_with_sigkill_leaves_no_one_listed(msc, new_session, bob_home):
    sid = new_session()
    follower = follow_as(bob_home, sid)
    wait_for(lambda: who(msc, sid), "bob's follower not listed")
    follower.send_signal(signal.SIGKILL)
    follower.wait(timeout=30)
    wait_for(lambda: not who(msc, sid), "a follower killed -9 is still listed")


def test_a_program_in_the_session_cannot_plant_or_remove_an_entry(msc, new_session, bob_home, docker_client):
    sid = new_session()
    follower = follow_as(bob_home, sid)
    try:
        wait_for(lambda: who(msc, sid), "bob's follower not listed")
        attack = ("import os\n"
                  f"folder = {PRESENCE!r}\n"
                  "start = open('/proc/1/stat').read().rsplit(')', 1)[1].split()[19]\n"
                  "entry = {'format': 1, 'by': 'eve@x', 'face': 'tui', 'what': 'following', 'client': '',\n"
                  "         'since': 1.0, 'pid': 1, 'start': start}\n"
                  "for what, act in (('plant', lambda: open(folder + '/1', 'w').write(repr(entry))),\n"
                  "                  ('remove', lambda: os.unlink(folder + '/' + os.listdir(folder)[0])),\n"
                  "                  ('move', lambda: os.rename(folder, folder + '.x'))):\n"
                  "    try:\n        act()\n        print(what, 'done')\n"
                  "    except OSError:\n        print(what, 'refused')\n")
        done = msc("run", "-s", sid, "-", input=attack)
        assert done.stdout.split() == ["plant", "refused", "remove", "refused", "move", "refused"], done.stderr
        assert [p["by"] for p in who(msc, sid)] == [bob_at]
        assert len(entries_in(docker_client, sid)) == 1
    finally:
        follower.terminate()
        follower.wait(timeout=30)


def test_who_shows_a_followers_name_as_text_never_as_terminal_commands(msc, new_session, bob_home):
    sid = new_session()
    follower = follow_as({**bob_home, "USER": "bo\x1b]0;owned\x07b", "LOGNAME": "bo\x1b]0;owned\x07b"}, sid)
    try:
        wait_for(lambda: who(msc, sid), "the follower not listed")
        text = msc("who", sid)
        assert text.returncode == 0 and "\x1b" not in text.stdout and "\x07" not in text.stdout
        assert "bo^[]0;owned^Gb@" in text.stdout
        assert "bo\x1b]0;owned\x07b@" in msc("who", sid, "--raw").stdout  # asked for as it is
    finally:
        follower.terminate()
        follower.wait(timeout=30)


def test_a_cli_follower_is_told_who_joins_and_leaves(msc, new_session, bob_home, start_msc):
    from tests.integration.test_shared_sessions import read_until

    sid = new_session()
    mine = start_msc("logs", "--follow", sid)
    try:
        wait_for(lambda: who(msc, sid), "this home's follower not listed")
        bob = follow_as(bob_home, sid)
        try:
            read_until(mine.stderr, f"{bob_at} joined (cli)")
        finally:
            bob.terminate()
            bob.wait(timeout=30)
        read_until(mine.stderr, f"{bob_at} left")
    finally:
        mine.terminate()
        mine.wait(timeout=30)


def test_an_api_client_is_present_between_runs_until_it_closes_or_ends(msc, new_session, bob_home, docker_client):
    from msc_tui import DockerManager

    sid = new_session()
    name = f"msc-dev-session-{sid}"
    with DockerManager() as dm:  # this home's, in this process
        assert dm.execute_in_container(name, "print(1)")["success"]
        listed = wait_for(lambda: who(msc, sid), "the API client not listed after its run")
        assert [(p["face"], p["what"]) for p in listed] == [("api", "connected")]
        assert dm.execute_in_container(name, "print(2)")["success"]  # more runs: still one stream
        staying = [p for p in docker_client.containers.get(name).top(ps_args="-ww -o pid,args")["Processes"]
                   if p[-1].endswith(" here --by " + listed[0]["by"] + " --client " + listed[0]["client"]
                                     + " --face api")]
        assert len(staying) == 1, staying
    wait_for(lambda: not who(msc, sid), "the API client still listed after close()")
    # another home's, in a process that ends without closing
    script = ("import sys\nfrom msc_tui import DockerManager\n"
              f"print(DockerManager().execute_in_container({name!r}, 'print(2)')['stdout'], flush=True)\n"
              "sys.stdin.readline()\n")
    api = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           text=True, env=bob_home)
    try:
        assert api.stdout.readline() == "2\n"
        listed = wait_for(lambda: who(msc, sid), "bob's API client not listed")
        assert [(p["by"], p["face"]) for p in listed] == [(bob_at, "api")]
        api.stdin.close()
        assert api.wait(timeout=60) == 0
    finally:
        api.kill()
    wait_for(lambda: not who(msc, sid), "bob's API client still listed after its process ended")
