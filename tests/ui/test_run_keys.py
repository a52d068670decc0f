"""F5 from wherever the user is (issue #25): from the Packages tab the output shows; with no
session yet, F5's picker asks where to run, and the session picked runs the code."""

from __future__ import annotations

from textual.widgets import TabbedContent

from tests.ui.pilot_helpers import until
from tests.ui.test_snapshots import make_app, select_first_session, settle


async def test_f5_from_the_packages_tab_shows_the_output(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_first_session(pilot)
        app.screen.editor.load_text("print('seen')\n")
        await pilot.press("f7")  # the Packages tab, its input focused
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert "seen" in app.screen.log_view.plain_lines()
        assert app.screen.query_one(TabbedContent).active == "output-tab"
        assert app.screen.log_view.region.height > 0  # on screen


async def test_f5_with_no_session_yet_asks_where_and_runs_in_the_session_picked(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.current is None
        app.screen.editor.load_text("print('ran where picked')\n")
        await pilot.press("f5")
        await settle(pilot)
        assert type(app.screen).__name__ == "SessionPicker" and app.screen.run
        await pilot.press("enter")  # the highlighted session: this home's most recently used
        await settle(pilot)
        assert app.screen.current.container_name == "msc-dev-session-a1b2c3"
        assert "ran where picked" in app.screen.log_view.plain_lines()


async def test_f5_in_the_startup_picker_runs_the_code_in_the_highlighted_session(tmp_path):
    app = make_app(tmp_path, show_picker=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert type(app.screen).__name__ == "SessionPicker"
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.current.container_name == "msc-dev-session-a1b2c3"
        assert any(line.startswith("exit 0") for line in app.screen.log_view.plain_lines())


async def test_f7_back_to_the_traceback_gives_the_editor_the_keys_not_the_log(tmp_path):
    """A newcomer reads the traceback (F7) and types the fix: the letters go into the editor, not
    to the log's one-letter commands (c cleared the traceback, s asked where to save it)."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_first_session(pilot)
        editor = app.screen.editor
        editor.load_text("import yaml\n")
        editor.focus()
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "packages-tab"
        await pilot.press("f7")  # back from the failure's own switch to Packages
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "output-tab" and app.focused is editor
        await pilot.press("f7", "f7")  # there (its input focused) and back
        await settle(pilot)
        assert app.screen.query_one(TabbedContent).active == "output-tab" and app.focused is editor
        await pilot.press("c", "s")
        await settle(pilot)
        assert type(app.screen).__name__ == "MainScreen"  # no save dialog
        assert any("No module named 'yaml'" in line for line in app.screen.log_view.plain_lines())
        assert editor.text.startswith("cs")


async def test_after_the_startup_picker_the_keys_go_to_the_editor_not_the_table(tmp_path):
    """A newcomer reuses a session at start and types code: it went to the table (its `s` sorts,
    its Enter reloads the file), and nothing on screen said where the letters went."""
    app = make_app(tmp_path, show_picker=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "SessionPicker")  # (settle waits on its worker)
        await pilot.press("enter")  # Reuse the highlighted session
        await until(pilot, lambda: not [w for w in app.workers if w.group == "picker" and w.is_running])
        assert app.screen.current.container_name == "msc-dev-session-a1b2c3"
        assert app.focused is app.screen.editor
        await pilot.press("ctrl+home", "s", "x")
        assert app.screen.editor.text.startswith("sx")
