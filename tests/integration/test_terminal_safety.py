"""Trust boundaries on the real engine: what a program in a shared session writes reaches a
reader's terminal as text, and files it names come back only inside the chosen folder."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from tests.integration.test_shared_sessions import msc_as

CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"  # OSC 52: would write the reader's clipboard
CLEAR = "\x1b[2J\x1b[H"  # clear the screen, cursor home
RED = "\x1b[31mred\x1b[0m"  # a colour: kept
PRINTED = CLIPBOARD + CLEAR + RED + "\n"
SHOWN = "^[]52;c;cHduZWQ=^G^[[2J^[[H" + RED + "\n"

PROGRAM = f"import sys\nsys.stdout.write({PRINTED!r})\n"
# What a program can do to the run records kept in its session: rewrite run 1's `by` and `file`,
# and make its times no numbers.
# A run record with escape sequences in its fields, as a program could write it in a session made
# by an older msc (its runner ran as the program's user); msc's own runner keeps them root's now.
FORGE = ("import ast\npath = '/var/lib/msc/runs/000001/meta'\nmeta = ast.literal_eval(open(path).read())\n"
         "meta['by'] = 'eve\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J'\nmeta['file'] = 'x\\x1b]0;pwned\\x07.py'\n"
         "meta['started_at'] = 1e300\nmeta['duration_s'] = 'long'\n"
         "open(path, 'w').write(repr(meta))\n")


@pytest.fixture
def other_home(tmp_path, base_image):
    """The environment of a pair's msc: its own MSC_HOME, reading the same session."""
    return {**os.environ, "MSC_HOME": str(tmp_path / "pair-home"), "MSC_BASE_IMAGE": base_image}


def test_a_programs_escape_sequences_reach_a_reader_as_text(msc, new_session, other_home, tmp_path):
    sid = new_session()
    script = tmp_path / "app.py"
    script.write_text(PROGRAM)
    own = msc("run", "-s", sid, str(script))
    assert own.returncode == 0, own.stderr
    assert own.stdout == PRINTED  # one's own program, as `python app.py` prints it
    name = f"msc-dev-session-{sid}"
    run_id = str(json.loads(msc("history", sid, "--json").stdout)["runs"][-1]["id"])

    for env in (os.environ, other_home):  # the one who ran it, and a pair in another home
        shown = msc_as(env, "logs", name, run_id)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == SHOWN
    assert msc("logs", sid, run_id, "--raw").stdout == PRINTED
    assert json.loads(msc("logs", sid, run_id, "--json").stdout)["stdout"] == PRINTED
    followed = msc_as(other_home, "logs", "--follow", name, run_id)  # a finished run: it ends
    assert followed.returncode == 0, followed.stderr
    assert followed.stdout == SHOWN and "\x1b]" not in followed.stderr


def test_forged_run_records_reach_a_reader_as_text(msc, new_session, other_home, docker_client):
    sid = new_session()  # run 1
    name = f"msc-dev-session-{sid}"
    assert docker_client.containers.get(name).exec_run(["python3", "-c", FORGE], user="root").exit_code == 0
    runs = json.loads(msc("history", sid, "--json").stdout)["runs"]
    assert runs[0]["by"] == "eve\x1b]52;c;cHduZWQ=\x07\x1b[2J"  # the forgery took: --json keeps data as data

    table = msc_as(other_home, "history", name)
    assert table.returncode == 0, table.stderr
    assert "eve^[]52;c;cHduZWQ=^G^[[2J" in table.stdout and "x^[]0;pwned^G.py" in table.stdout
    assert "\x1b" not in table.stdout and "\x07" not in table.stdout
    assert table.stdout.splitlines()[1].split()[-4:] == ["-", "-", "exit", "0"]  # started, duration: no numbers
    raw = msc_as(other_home, "history", name, "--raw")
    assert "eve\x1b]52;c;cHduZWQ=\x07\x1b[2J" in raw.stdout

    followed = msc_as(other_home, "logs", "--follow", name, "1")
    assert followed.returncode == 0, followed.stderr
    header = next(line for line in followed.stderr.splitlines() if line.startswith("── run 1 by"))
    assert header == "── run 1 by eve^[]52;c;cHduZWQ=^G^[[2J (cli) x^[]0;pwned^G.py"
    assert "── run 1: exit 0\n" in followed.stderr  # no duration shown rather than a crash
    raw = msc_as(other_home, "logs", "--follow", name, "1", "--raw")
    assert "── run 1 by eve\x1b]52;c;cHduZWQ=\x07\x1b[2J (cli) x\x1b]0;pwned\x07.py" in raw.stderr


def test_saving_a_runs_files_stays_inside_the_chosen_folder(msc, new_session, tmp_path):
    from msc_tui.core import returned_files
    from msc_tui.core.service import Msc

    sid = new_session()
    code = ("import os\nos.makedirs('link', exist_ok=True)\nopen('ok.txt', 'w').write('ok')\n"
            "open('link/evil.txt', 'w').write('x')\nopen('/tmp/abs.txt', 'w').write('x')\n")
    written = msc("run", "-s", sid, "-", input=code)
    assert written.returncode == 0, written.stderr
    chosen, outside = tmp_path / "chosen", tmp_path / "outside"
    chosen.mkdir()
    outside.mkdir()
    (chosen / "link").symlink_to(outside)  # already in the folder, pointing out of it

    async def save():
        msc_core = await Msc.open()
        try:
            container = (await msc_core.sessions.find(sid)).name
            names = ["ok.txt", "link/evil.txt", "../outside/up.txt", "/tmp/abs.txt"]
            return await returned_files.save(msc_core.copying, container, names, chosen)
        finally:
            await msc_core.close()

    saved, refused = asyncio.run(save())
    assert refused == ["link/evil.txt", "../outside/up.txt", "/tmp/abs.txt"]
    assert saved == [chosen.resolve() / "ok.txt"] and (chosen / "ok.txt").read_text() == "ok"
    assert os.listdir(outside) == []
