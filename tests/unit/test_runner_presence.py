"""Presence (runner/presence.py) driven locally: root lists a follower while a child that has
become the program's user (here `nobody`, `appuser` in a session) streams, as in a session."""

from __future__ import annotations

import ast
import os
import pwd
import signal
import time
from pathlib import Path

import pytest

from msc_tui.runner import protocol as R
from msc_tui.runner.history import process_start
from msc_tui.runner.presence import MAX_ENTRIES
from tests.unit.test_runner_local import Runner, command, root  # noqa: F401  (root: the fixture)

pytestmark = pytest.mark.skipif(os.getuid() != 0, reason="root keeps the entries (as msc's runner does in a session)")


def follower(folder: Path, by: str, *extra: str) -> Runner:
    return Runner(folder, "follow", "--by", by, "--face", "tui", "--client", by, *extra, user="nobody")


def presence(runner: Runner) -> list[dict]:
    return R.read_literal(runner.until(R.PRESENCE))["present"]


def who(folder: Path) -> dict:
    return ast.literal_eval(command(folder, "who").decode())


def wait_for(check, what: str):
    deadline = time.monotonic() + 30
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return found


def test_followers_are_listed_while_they_follow_and_told_of_each_other(root):  # noqa: F811
    bob = follower(root, "bob@vm", "--editing", "app.py")
    first = presence(bob)
    assert [(p["by"], p["face"], p["what"]) for p in first] == [("bob@vm", "tui", "editing app.py")]
    entry = root / "var/lib/msc/runs/presence" / str(bob.process.pid)
    assert entry.stat().st_uid == 0 and entry.parent.stat().st_uid == 0 and entry.parent.stat().st_mode & 0o022 == 0
    carol = follower(root, "carol@vm")
    assert [p["by"] for p in presence(carol)] == ["bob@vm", "carol@vm"]
    assert [p["by"] for p in presence(bob)] == ["bob@vm", "carol@vm"]  # bob is told carol joined
    assert [(p["by"], p["what"]) for p in who(root)["present"]] == [("bob@vm", "editing app.py"),
                                                                      ("carol@vm", "following")]
    assert carol.close() == 0
    assert [p["by"] for p in presence(bob)] == ["bob@vm"]  # and that she left
    assert not (root / "var/lib/msc/runs/presence" / str(carol.process.pid)).exists()
    # killed -9: its entry stays on disk but nobody lists it, and the next follower removes it
    bob.process.send_signal(signal.SIGKILL)
    bob.process.wait(timeout=30)
    assert who(root)["present"] == []
    dave = follower(root, "dave@vm")
    assert [p["by"] for p in presence(dave)] == ["dave@vm"] and not entry.exists()
    assert dave.close() == 0 and bob.close() == -signal.SIGKILL


def test_who_lists_the_runs_going(root):  # noqa: F811
    serve = Runner(root, "serve", "tester@here", "test")
    serve.config("import time\nprint('long', flush=True)\ntime.sleep(60)\n", file="job.py")
    going = serve.until(R.STARTED)
    running = wait_for(lambda: who(root)["running"], "no run listed")
    assert [(r["id"], r["by"], r["file"]) for r in running] == [(going["id"], "tester@here", "job.py")]
    assert command(root, "stop", str(going["id"]), "pair@there") == b""
    serve._exited_collecting()
    assert serve.close() == 0 and who(root)["running"] == []


def test_a_program_cannot_plant_or_remove_an_entry(root):  # noqa: F811
    nobody = pwd.getpwnam("nobody")
    os.chown(root / "app", nobody.pw_uid, nobody.pw_gid)
    bob = follower(root, "bob@vm")
    presence(bob)
    folder = root / "var/lib/msc/runs/presence"
    attack = ("import os\n"
              f"folder = {str(folder)!r}\n"
              "for what, act in (('plant', lambda: open(folder + '/1', 'w').write(repr({'by': 'eve'}))),\n"
              "                  ('remove', lambda: os.unlink(folder + '/' + os.listdir(folder)[0])),\n"
              "                  ('rename', lambda: os.rename(folder, folder + '.x'))):\n"
              "    try:\n        act()\n        print(what, 'done')\n"
              "    except OSError:\n        print(what, 'refused')\n")
    runner = Runner(root, "run", "eve@vm", "test", user="nobody")
    exited, out, err = runner.run(attack)
    assert exited["exit_code"] == 0, err
    assert out.split() == [b"plant", b"refused", b"remove", b"refused", b"rename", b"refused"]
    assert runner.close() == 0
    assert [p["by"] for p in who(root)["present"]] == ["bob@vm"]
    assert bob.close() == 0


def test_the_folder_is_bounded(root):  # noqa: F811
    folder = root / "var/lib/msc/runs/presence"
    folder.mkdir(parents=True)
    me = os.getpid()
    alive = {"format": 1, "by": "x", "face": "cli", "what": "following", "client": "", "since": 1.0,
             "pid": me, "start": process_start(me)}
    for n in range(1, MAX_ENTRIES + 1):  # live entries (this process), the folder full
        (folder / str(n)).write_text(repr({**alive, "by": f"u{n}"}))
    (folder / "99999999").write_text(repr({**alive, "by": "big", "what": "x" * 5000}))  # too big: never read
    bob = follower(root, "bob@vm")
    shown = presence(bob)
    assert len(shown) == MAX_ENTRIES and "bob@vm" not in [p["by"] for p in shown] and "big" not in str(shown)
    assert bob.close() == 0  # it followed, unlisted


def test_a_followers_file_is_updated_when_its_client_opens_another(root):  # noqa: F811
    bob = follower(root, "bob@vm", "--editing", "app.py")
    assert [p["what"] for p in presence(bob)] == ["editing app.py"]
    carol = follower(root, "carol@vm")
    assert [p["by"] for p in presence(carol)] == ["bob@vm", "carol@vm"]
    bob.send(R.EDITING, "lib/ünïcode.py".encode())  # the streaming child (nobody) passes it to root
    now = presence(carol)  # carol is told, on the change alone
    assert [(p["by"], p["what"]) for p in now] == [("bob@vm", "editing lib/ünïcode.py"), ("carol@vm", "following")]
    assert [p["what"] for p in who(root)["present"]][0] == "editing lib/ünïcode.py"
    bob.send(R.EDITING, b"")  # no file open: following
    assert [p["what"] for p in presence(carol)] == ["following", "following"]
    entry = root / "var/lib/msc/runs/presence" / str(bob.process.pid)
    assert entry.stat().st_uid == 0  # rewritten by root, not by the child
    assert bob.close() == 0 and carol.close() == 0


def test_a_long_lived_client_is_here_until_it_closes(root):  # noqa: F811
    api = Runner(root, "here", "--by", "ann@vm", "--face", "api", "--client", "c9", user="nobody")
    listed = wait_for(lambda: who(root)["present"], "the API client not listed")
    assert [(p["by"], p["face"], p["what"], p["client"]) for p in listed] == [("ann@vm", "api", "connected", "c9")]
    assert api.close() == 0
    assert who(root)["present"] == []
