"""The TUI's behaviour against the real engine, driven with Pilot; effects checked with docker-py."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from msc_tui.core.service import Msc
from msc_tui.ui import run_activity
from msc_tui.ui.app import MscApp
from tests.conftest import remove_home_objects
from tests.ui.pilot_helpers import log_lines, run_code, until

pytestmark = pytest.mark.docker


async def test_a_run_streams_into_the_log_and_stderr_is_kept_apart(app, docker_client):
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        kinds = dict((line, kind) for kind, line in app.screen.log_view.lines)
        assert kinds["to stdout"] == "stdout" and kinds["to stderr"] == "stderr"
        name = app.screen.current.container_name
        assert docker_client.containers.get(name).status == "running"
        await until(pilot, lambda: name in app.screen.table.views)  # the create event reached the table


async def test_programs_in_the_tui_know_its_log_shows_colour(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "import os\nprint('seen', os.environ.get('TERM'), os.environ.get('FORCE_COLOR'))\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        assert "seen xterm-256color 1" in log_lines(pilot)


async def test_table_follows_changes_made_from_another_terminal(app, docker_client, msc_home):
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        other = await Msc.open()  # "another terminal": a second msc making a session
        try:
            record = await other.sessions.create(app_type="basic_app")
        finally:
            await other.close()
        table = app.screen.table
        await until(pilot, lambda: record.container_name in table.views, timeout=5)
        cursor = table.cursor_coordinate

        await asyncio.to_thread(docker_client.containers.get(record.container_name).stop, timeout=1)
        await until(pilot, lambda: table.views[record.container_name].status == "exited", timeout=10)
        assert table.cursor_coordinate == cursor  # updated in place, cursor kept

        await asyncio.to_thread(docker_client.containers.get(record.container_name).remove, force=True)
        # The record is still there, so the row stays and says its container is missing.
        await until(pilot, lambda: table.views[record.container_name].status == "missing", timeout=5)


async def test_foreign_container_removed_with_the_cli_leaves_the_all_view(app, raw_container, docker_client):
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await pilot.press("f4")  # show all containers
        foreign = await asyncio.to_thread(raw_container)
        table = app.screen.table
        await until(pilot, lambda: foreign.name in table.views, timeout=5)
        await asyncio.to_thread(foreign.remove, force=True)
        await until(pilot, lambda: foreign.name not in table.views, timeout=5)


async def test_missing_module_proposal_installs_and_reruns(app, docker_client):
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "import tabulate\nprint(tabulate.tabulate([['ok']]))\n")
        await until(pilot, lambda: app.screen.packages.proposed == ["tabulate"])
        assert "tabulate" in str(app.screen.packages.panel.query_one("#proposal").render())
        await pilot.press("f9")
        await until(pilot, lambda: "ok" in log_lines(pilot), timeout=60)
        packages = app.screen.packages.panel.query_one("#packages")
        assert packages.get_row("tabulate")[0] == "tabulate"
        name = app.screen.current.container_name
        out = docker_client.containers.get(name).exec_run(["python3", "-c", "import tabulate"]).exit_code
        assert out == 0
        # Removed behind the TUI's back (another msc, a pair, a shell): the tab shown again reads the session.
        removed = docker_client.containers.get(name).exec_run(
            ["uv", "pip", "uninstall", "--python", "/opt/venv/bin/python", "tabulate"], user="installer")
        assert removed.exit_code == 0, removed.output
        assert app.screen.side.active == "output-tab"  # (the rerun's output)
        await pilot.press("f7")
        await until(pilot, lambda: "tabulate" not in packages.rows, timeout=30)


async def test_install_panel_input_installs_and_lists(app, docker_client):
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print(1)")
        await until(pilot, lambda: app.screen.current is not None and "1" in log_lines(pilot))
        await pilot.press("f7")
        specs = app.screen.packages.panel.query_one("#specs", Input)
        assert app.focused is specs
        await pilot.press(*"six", "enter")
        await until(pilot, lambda: "installed" in app.screen.packages.panel.log_view.plain_lines(), timeout=60)
        assert app.screen.packages.panel.query_one("#packages").get_row("six")[0] == "six"


async def test_cancel_kills_the_program_tree(app, docker_client):
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "import os, subprocess, time\nsubprocess.Popen(['sleep', '351'])\n"
                              "open('/tmp/program.pid', 'w').write(str(os.getpid()))\n"
                              "print('started', flush=True)\ntime.sleep(352)\n")
        await until(pilot, lambda: "started" in log_lines(pilot))
        name = app.screen.current.container_name
        app.screen.query_one("#editor", TextArea).focus()  # F6 must stop the run even from the editor
        await pilot.pause()
        await pilot.press("f6")
        await until(pilot, lambda: any("cancelled" in l for l in log_lines(pilot)))
        container = docker_client.containers.get(name)
        assert not [p for p in container.top()["Processes"] if "sleep 351" in p[-1]]
        # the program itself (a fork of msc's runner: its command line is the runner's, so by pid)
        gone = container.exec_run(["sh", "-c", "test ! -d /proc/$(cat /tmp/program.pid)"])
        assert gone.exit_code == 0


def rss_mb() -> float:
    """This process's resident memory now (not its lifetime peak, which cannot show later growth)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


async def test_hundred_thousand_lines_stay_bounded_and_keys_answer(app):
    """Latency is measured in bench/tui_log.py; here: keys work mid-flood and memory is bounded."""
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        before, samples, flooding = rss_mb(), [], threading.Event()

        def sample() -> None:  # every 50 ms from the run's start to its end, whatever the UI is doing
            while flooding.is_set():
                samples.append(rss_mb())
                time.sleep(0.05)

        flooding.set()
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            await run_code(pilot, "for i in range(100_000):\n    print('line', i)\n")
            await until(pilot, lambda: app.screen.log_view.total_lines > 20_000, timeout=60)
            await pilot.press("f7")  # a key while output floods in: answered while it floods
            await until(pilot, lambda: app.screen.query_one("TabbedContent").active == "packages-tab", timeout=5)
            await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)), timeout=120)
        finally:
            flooding.clear()
            sampler.join()
        log = app.screen.log_view
        assert log.total_lines >= 100_000 and "line 99999" in log.plain_lines()
        # memory stays bounded: 100,000 lines (~1.3 MB of text) may not grow the process by more
        # than a generous 150 MB at any moment of the run (an unbounded widget holding styled
        # lines grows far past that)
        grown_mb = max(samples + [rss_mb()]) - before
        assert len(samples) > 10 and grown_mb < 150, f"grew {grown_mb:.0f} MB ({len(samples)} samples)"


async def test_picker_reuses_an_existing_session_and_cleanup_removes(msc_home, docker_client):
    first = await Msc.open()
    try:
        record = await first.sessions.create(app_type="basic_app")
    finally:
        await first.close()
    app = MscApp(show_picker=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "SessionPicker")
        await pilot.press("enter")  # reuse the highlighted (only) session
        await until(pilot, lambda: getattr(app.screen, "current", None) is not None)
        assert app.screen.current.id == record.id

        await pilot.press("f3")
        await until(pilot, lambda: type(app.screen).__name__ == "CleanupScreen")
        await until(pilot, lambda: app.screen.inventory.items)
        await pilot.press("space", "d")
        await until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        await pilot.press("tab", "enter")  # focus moves from No to Remove
        await until(pilot, lambda: not docker_client.containers.list(all=True, filters={"name": record.container_name}),
                    timeout=30)


async def test_cleanup_never_takes_a_colleagues_session_without_a_second_confirmation(
        msc_home, docker_client, tmp_path):
    colleague = tmp_path / "colleague"
    made = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "msc_tui", "run", "--new", "--json", "-"],
                                   input="print(1)", text=True, capture_output=True,
                                   env={**os.environ, "MSC_HOME": str(colleague)})
    assert made.returncode == 0, made.stderr
    theirs = f"msc-dev-session-{json.loads(made.stdout)['session']}"
    ours = await Msc.open()
    try:
        record = await ours.sessions.create(app_type="basic_app")
    finally:
        await ours.close()
    try:
        app = MscApp(show_picker=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.msc is not None)
            await pilot.press("f3")
            await until(pilot, lambda: type(app.screen).__name__ == "CleanupScreen" and app.screen.inventory.items)
            await pilot.press("shift+tab", "space", "tab")  # "others' too", then back to the table
            await until(pilot, lambda: theirs in app.screen.others)
            await pilot.press("a")
            assert record.container_name in app.screen.selected and theirs not in app.screen.selected
            names = [i.name for i in app.screen.shown()]
            await pilot.press(*["down"] * names.index(theirs), "space", "d")
            await until(pilot, lambda: type(app.screen).__name__ == "Confirm")
            await pilot.press("tab", "enter")  # Remove
            await until(pilot, lambda: type(app.screen).__name__ == "Confirm" and "belong" in app.screen.body)
            assert str(colleague) in app.screen.body
            await pilot.press("enter")  # the focused answer: only this home's
            await until(pilot, lambda: not docker_client.containers.list(
                all=True, filters={"name": record.container_name}), timeout=60)

            # Pairing on the colleague's session, then quitting: removing it is not offered.
            await pilot.press("escape", "f4")
            table = app.screen.table
            await until(pilot, lambda: theirs in table.views)
            table.move_cursor(row=table.get_row_index(theirs))
            table.focus()
            await pilot.press("enter")
            await until(pilot, lambda: app.screen.current and app.screen.current.container_name == theirs)
            await pilot.press("ctrl+q")
            await until(pilot, lambda: type(app.screen).__name__ == "QuitDialog")
            assert not app.screen.query("#remove")
            await pilot.press("escape")
        assert docker_client.containers.get(theirs).status == "running"
    finally:
        remove_home_objects(docker_client, colleague)


async def test_details_view_shows_what_the_engine_and_the_record_know(msc_home, docker_client):
    core = await Msc.open()
    try:
        record = await core.sessions.create(app_type="basic_app")
        await core.packages.install(record, ["six"])
        await core.run(record, "print('recorded run')", filename="probe.py")
    finally:
        await core.close()
    attrs = docker_client.containers.get(record.container_name).attrs
    memory_mib = attrs["HostConfig"]["Memory"] // 1024 ** 2
    app = MscApp(show_picker=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: record.container_name in app.screen.table.views)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: type(app.screen).__name__ == "DetailsScreen" and app.screen.details, timeout=30)
        text = str(app.screen.query_one("#details-body").render())
        assert attrs["Config"]["Image"] in text and f"memory {memory_mib / 1024:.1f}GB" in text
        assert f"pids {attrs['HostConfig']['PidsLimit']}" in text and "-> /cache" in text
        assert "six==" in text and "(asked for: six)" in text and "probe.py" in text
        assert "probe.py: exit 0" in text  # the recent run, from the session's own history
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "MainScreen")


async def test_the_log_keeps_following_run_after_run(app):
    """The stall seen at 80x24: a first run whose output fits, then one that outgrows the pane
    (the scroll had to happen before Textual knew the pane could scroll)."""
    wide = ("import time\nfor i in range(30):\n    print('a long line that is wider than the pane', i, '=' * 60)\n"
            "    time.sleep(0.01)\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        log = app.screen.log_view
        for run, code in enumerate(("print(1", "import nothing_here_x\n", wide, wide), start=1):
            await run_code(pilot, code)
            await until(pilot, lambda run=run: sum(l.startswith("exit") for l in log_lines(pilot)) == run, timeout=60)
            await pilot.pause(0.3)
            # the end is on screen: the closing line is the last row shown
            assert log.scroll_y >= log.max_scroll_y - 1, (run, log.scroll_y, log.max_scroll_y)
        assert log.max_scroll_y > 0
        log.scroll_to(y=0, animate=False, immediate=True)  # a user who scrolled up stays there
        await run_code(pilot, "print('more')")
        await until(pilot, lambda: sum(l.startswith("exit") for l in log_lines(pilot)) == 5, timeout=60)
        assert log.scroll_y == 0


async def test_a_runs_written_files_are_listed_and_saved_here_asking_before_overwriting(app, tmp_path,
                                                                                        monkeypatch):
    here = tmp_path / "here"
    (here / "results").mkdir(parents=True)
    (here / "results" / "old.txt").write_text("mine\n")
    monkeypatch.chdir(here)
    code = ("import os\nos.makedirs('results', exist_ok=True)\nopen('results/out.csv', 'w').write('a,1\\n')\n"
            "open('results/old.txt', 'w').write('theirs\\n')\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, code)
        await until(pilot, lambda: any(l.startswith("wrote ") for l in log_lines(pilot)), timeout=60)
        assert any(l.startswith("wrote results/old.txt, results/out.csv") for l in log_lines(pilot))
        await pilot.press("ctrl+g")
        await until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        assert "results/old.txt" in app.screen.body and "out.csv" not in app.screen.body
        await pilot.press("enter")  # the focused answer, No: keep mine, save the rest
        await until(pilot, lambda: (here / "results" / "out.csv").exists(), timeout=30)
        assert (here / "results" / "old.txt").read_text() == "mine\n"
        assert (here / "results" / "out.csv").read_text() == "a,1\n"
        await pilot.press("ctrl+g")
        await until(pilot, lambda: type(app.screen).__name__ == "Confirm")
        await pilot.press("tab", "enter")  # Overwrite
        await until(pilot, lambda: (here / "results" / "old.txt").read_text() == "theirs\n", timeout=30)


async def test_the_tui_opens_edits_saves_and_runs_a_local_file_with_its_project(msc_home, docker_client,
                                                                                 tmp_path, monkeypatch):
    project = tmp_path / "shop"
    (project / "data").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    (project / "data" / "prices.csv").write_text("3\n4\n")
    (project / "app.py").write_text("print('old')\n")
    (project / "other.py").write_text("print(sum(int(x) for x in open('data/prices.csv')))\n")
    monkeypatch.chdir(project)
    app = MscApp(show_picker=False, open_path=project / "app.py")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        editor = app.screen.query_one("#editor", TextArea)
        assert editor.text == "print('old')\n" and "(local)" in str(editor.border_title)
        editor.load_text("print(open('data/prices.csv').read().split())\n")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: (project / "app.py").read_text().startswith("print(open("))
        await pilot.press("f5")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)), timeout=60)
        assert "['3', '4']" in log_lines(pilot)
        # ctrl+o lists the project's files; pick the other script and run it
        await pilot.press("ctrl+o")
        await until(pilot, lambda: type(app.screen).__name__ == "PickOne")
        choices = app.screen.choices
        assert choices[0] == "a local path..." and str(project / "other.py") in choices
        app.screen.dismiss(str(project / "other.py"))
        await until(pilot, lambda: editor.text.startswith("print(sum("))
        await pilot.press("f5")
        await until(pilot, lambda: sum(l.startswith("exit 0") for l in log_lines(pilot)) == 2, timeout=60)
        assert "7" in log_lines(pilot)
        container = docker_client.containers.get(app.screen.current.container_name)
        assert container.exec_run(["cat", "/app/data/prices.csv"]).output == b"3\n4\n"


async def test_table_row_follows_runs_and_installs_without_docker_events(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print(1)")
        await until(pilot, lambda: app.screen.current is not None and
                    app.screen.current.container_name in app.screen.table.views)
        name = app.screen.current.container_name
        app.screen.packages.install(["six"])
        await until(pilot, lambda: app.screen.table.views[name].as_dict()["packages"] == 1, timeout=60)
        assert app.screen.table.get_cell(name, "packages") == "1"
        await run_code(pilot, "print('a')\nprint('b')\n")
        await until(pilot, lambda: "exit 0 - " in log_lines(pilot)[-1] and log_lines(pilot)[-1].endswith("2 lines"))


async def test_save_writes_the_file_into_the_session_and_msc_home(app, docker_client, msc_home):
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print(1)")
        # The run writes the file it runs: let it finish before saving other text.
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        app.screen.query_one("#editor", TextArea).load_text("VALUE = 'saved'\n")
        await pilot.press("ctrl+s")
        record = app.screen.current
        container = docker_client.containers.get(record.container_name)
        await until(pilot, lambda: container.exec_run(["cat", "/app/main.py"]).output == b"VALUE = 'saved'\n")
        assert (msc_home / "sessions" / record.id / "main.py").read_text() == "VALUE = 'saved'\n"


async def test_picker_makes_a_new_session_and_restores_a_removed_one(msc_home, docker_client):
    first = await Msc.open()
    try:
        gone = await first.sessions.create(app_type="basic_app")
        await first.sessions.save(gone, {"kept.py": "print('restored')\n"})
    finally:
        await first.close()
    await asyncio.to_thread(docker_client.containers.get(gone.container_name).remove, force=True)

    app = MscApp(show_picker=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None and gone.container_name in app.screen.table.views)
        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "SessionPicker")
        await pilot.press("n")  # new session, with the app type the picker shows (detected: basic_app)
        main = app.screen_stack[1]
        await until(pilot, lambda: main.current is not None and main.current.id != gone.id)
        made = docker_client.containers.get(main.current.container_name)
        assert made.labels["msc.app_type"] == "basic_app" and made.status == "running"

        await pilot.press("f2")
        await until(pilot, lambda: type(app.screen).__name__ == "SessionPicker")
        options = app.screen.query_one("#sessions")
        restore = next(i for i in range(options.option_count)
                       if options.get_option_at_index(i).id.startswith("restore:"))
        options.highlighted = restore
        await pilot.press("enter")
        await until(pilot, lambda: main.current is not None and main.current.id == gone.id, timeout=60)
        container = docker_client.containers.get(gone.container_name)
        assert container.exec_run(["cat", "/app/kept.py"]).output == b"print('restored')\n"
        assert main.editor.text == "print('restored')\n"  # the session's last file is in the editor


async def test_a_run_started_by_the_cli_appears_live_in_the_tui(app, msc_home):
    import subprocess
    import sys

    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print('tui run')\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        session = app.screen.current
        code = "import time\nfor i in range(3):\n    print('cli line', i, flush=True)\ninput()\nprint('cli done')\n"
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "msc_tui", "run", "-s", session.id, "--name", "other.py", "-",
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cli.stdin.write(code.encode())
        cli.stdin.close()
        await until(pilot, lambda: any("by" in l and "(cli) other.py" in l for l in log_lines(pilot)))
        await until(pilot, lambda: "cli line 2" in log_lines(pilot))
        lines = log_lines(pilot)
        assert lines.index("cli line 0") < lines.index("cli line 1") < lines.index("cli line 2")
        assert await cli.wait() == 1  # input() met the end of its (empty) stdin
        await until(pilot, lambda: any(l.startswith("── run") and ": exit 1" in l for l in log_lines(pilot)))


async def test_a_password_asked_with_getpass_is_masked_and_never_reaches_the_log(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "import getpass\nsecret = getpass.getpass()\nprint('got', len(secret))\n"
                              "name = input('name: ')\nprint('hi', name)\n")
        line = app.screen.output.program_input
        await until(pilot, lambda: line.password, timeout=60)  # getpass's "Password: " is on screen
        await pilot.press(*"hunter2", "enter")
        await until(pilot, lambda: "got 7" in log_lines(pilot))
        await until(pilot, lambda: ("stdout", "name: ") in app.screen.log_view.provisional)
        assert not line.password  # an ordinary prompt: typed text shows and is echoed
        await pilot.press(*"zoe", "enter")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        assert "zoe" in "\n".join(log_lines(pilot)) and "hunter2" not in "\n".join(log_lines(pilot))


async def test_the_input_line_feeds_a_waiting_program(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "name = input('who? ')\nprint('hi', name)\nimport sys\nprint(sys.stdin.read() == '')\n")
        # The prompt has no newline: it shows anyway, as in a terminal.
        await until(pilot, lambda: ("stdout", "who? ") in app.screen.log_view.provisional, timeout=60)
        assert app.focused is app.screen.output.program_input
        await pilot.press(*"zoe", "enter")
        await until(pilot, lambda: "hi zoe" in log_lines(pilot))
        await pilot.press("ctrl+d")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        assert "True" in log_lines(pilot)
        assert app.screen.output.program_input.disabled


async def test_the_runs_view_lists_runs_with_their_code_and_output(app):
    from textual.widgets import DataTable

    from msc_tui.ui.screens.runs import RunsScreen

    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print('first run')\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        await run_code(pilot, "import sys\nprint('second run', file=sys.stderr)\nsys.exit(2)\n")
        await until(pilot, lambda: any(l.startswith("exit 2") for l in log_lines(pilot)))
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, RunsScreen))
        table = app.screen.query_one("#runs-table", DataTable)
        await until(pilot, lambda: table.row_count == 2)
        assert table.get_row_at(0)[5] == "exit 2" and table.get_row_at(1)[5] == "exit 0"
        output = app.screen.query_one("#run-output")
        await until(pilot, lambda: ("stderr", "second run") in output.lines)
        assert "sys.exit(2)" in app.screen.query_one("#run-code", TextArea).text
        await pilot.press("down")
        await until(pilot, lambda: ("stdout", "first run") in output.lines)
        await pilot.press("escape")
        assert not isinstance(app.screen, RunsScreen)


async def test_the_runs_view_shows_forged_record_fields_as_plain_text(app, msc_home, docker_client):
    from textual.widgets import DataTable
    from textual.widgets._data_table import default_cell_formatter

    from msc_tui.ui.screens.runs import RunsScreen

    # a record as a program could write it in a session made by an older msc (root writes them now)
    forge = ("import ast\npath = '/var/lib/msc/runs/000001/meta'\nmeta = ast.literal_eval(open(path).read())\n"
             "meta['by'] = '[b]eve[/b]\\x1b]52;c;QQ==\\x1b\\\\'\nopen(path, 'w').write(repr(meta))\n")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print('first run')\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        container, = docker_client.containers.list(filters={"label": f"msc.home={msc_home}"})
        assert container.exec_run(["python3", "-c", forge], user="root").exit_code == 0
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, RunsScreen))
        table = app.screen.query_one("#runs-table", DataTable)
        await until(pilot, lambda: table.row_count == 1)
        by = default_cell_formatter(table.get_row_at(0)[1])  # the cell as the table draws it
        assert by.plain == "[b]eve[/b]^[]52;c;QQ==^[\\" and not by.spans  # no markup read, ESC shown


async def test_a_pairs_save_under_the_open_file_name_is_offered_never_forced(app):
    from msc_tui.ui.dialogs import Confirm

    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print('mine')\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        editor = app.screen.query_one("#editor", TextArea)
        editor.load_text("print('my unsaved edit')\n")
        other = await Msc.open()  # the pair, saving into the same session once the TUI follows it
        try:
            record = other.sessions.resolve(app.screen.current.id)
            deadline = time.monotonic() + 30
            who = other.runs.records.who
            while not any(p.get("face") == "tui" for p in (await who(record.container_name))["present"]):
                assert time.monotonic() < deadline, "the TUI never followed its session"
                await pilot.pause(0.2)
            await other.sessions.save(record, {"main.py": "print('theirs')\n"})
        finally:
            await other.close()
        await until(pilot, lambda: app.screen.editor.others_code == "print('theirs')\n", timeout=30)
        assert editor.text == "print('my unsaved edit')\n"  # nothing replaced by itself
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("tab", "enter")  # from No to "Load it"
        await until(pilot, lambda: editor.text == "print('theirs')\n")


async def test_the_run_column_names_who_runs_in_a_session(app, monkeypatch):
    import subprocess
    import sys

    monkeypatch.setattr(run_activity, "LOOK_EVERY_S", 1.0)  # through the run agent, a run makes no event
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print('ready')\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        session = app.screen.current
        table = app.screen.table
        await until(pilot, lambda: table.get_cell(session.container_name, "run") == "")  # this TUI's run ended
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "msc_tui", "run", "-s", session.id, "-",
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cli.stdin.write(b"import time\ntime.sleep(3)\n")
        cli.stdin.close()
        await until(pilot, lambda: "@" in table.get_cell(session.container_name, "run"))
        assert table.get_cell(session.container_name, "run") == app.msc.runs.by
        assert await cli.wait() == 0
        await until(pilot, lambda: table.get_cell(session.container_name, "run") == "")


PAIR_RUNS = """
import sys
from msc_tui import DockerManager
with DockerManager() as dm:
    dm.execute_in_container(sys.argv[1], "import time; time.sleep(4)")
"""


async def test_run_and_used_show_a_pairs_run_over_a_warm_server(app, monkeypatch, tmp_path, base_image,
                                                                docker_client):
    monkeypatch.setattr(run_activity, "LOOK_EVERY_S", 1.0)
    pair_home = tmp_path / "pair-home"
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print('ready')\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        name, table = app.screen.current.container_name, app.screen.table
        await until(pilot, lambda: table.get_cell(name, "run") == "")
        before = time.time()
        # The pair's API runs over a warm server: no exec per run, so no engine event at all.
        pair = await asyncio.create_subprocess_exec(
            sys.executable, "-c", PAIR_RUNS, name, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env={**os.environ, "MSC_HOME": str(pair_home), "MSC_BASE_IMAGE": base_image, "MSC_AGENT": "0"})
        try:
            await until(pilot, lambda: table.get_cell(name, "run") == app.msc.runs.by)
            assert await pair.wait() == 0, await pair.stderr.read()
            await until(pilot, lambda: table.get_cell(name, "run") == "")
            assert table.views[name].last_used >= before + 4  # the pair's run ended after 4 s
        finally:
            if pair.returncode is None:
                pair.kill()
            remove_home_objects(docker_client, pair_home)


async def test_a_pairs_session_is_listed_in_f2_and_joined_by_id_from_the_palette(app, tmp_path, docker_client):
    from textual.widgets import OptionList

    pair_home = tmp_path / "pair-home"
    made = subprocess.run([sys.executable, "-m", "msc_tui", "run", "--new", "--json", "-"],
                          input="print('by the pair')", text=True, capture_output=True, timeout=300,
                          env={**os.environ, "MSC_HOME": str(pair_home)})
    sid = json.loads(made.stdout)["session"]
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.msc is not None)
            await pilot.press("f2")
            await until(pilot, lambda: app.screen.query("#sessions"))
            options = app.screen.query_one("#sessions", OptionList)
            ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
            assert f"join:msc-dev-session-{sid}" in ids  # the pair's session, offered to join
            await pilot.press("escape")
            await pilot.press("ctrl+p")
            await pilot.press(*"Join a session by id")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.focused, Input) and app.focused.id != "program-input")
            await pilot.press(*sid, "enter")
            await until(pilot, lambda: app.screen.current is not None)
            assert app.screen.current.container_name == f"msc-dev-session-{sid}"
            await until(pilot, lambda: any(line.startswith("joined ") for line in log_lines(pilot)))
            said = next(line for line in log_lines(pilot) if line.startswith("joined "))
            assert f"session msc-dev-session-{sid}; last run 1 by " in said and "(main.py)" in said
        assert not (Path(os.environ["MSC_HOME"]) / "sessions.toml").exists() or sid not in (
            Path(os.environ["MSC_HOME"]) / "sessions.toml").read_text()  # joining saves no record of theirs
    finally:
        remove_home_objects(docker_client, pair_home)
