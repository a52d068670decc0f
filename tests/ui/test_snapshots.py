"""Every screen at 80x24 and 120x40, deterministic: fake engine data, frozen clock."""

from __future__ import annotations

import pytest
from textual.widgets import TextArea

from msc_tui.ui.app import MscApp
from tests.ui.fake_engine import FROZEN_NOW, fake_msc

SIZES = [(80, 24), (120, 40)]


def make_app(tmp_path, show_picker=False) -> MscApp:
    msc = fake_msc(tmp_path)

    async def opener():
        return msc

    app = MscApp(opener=opener, clock=lambda: FROZEN_NOW, show_picker=show_picker)
    app.animation_level = "none"
    return app


async def settle(pilot) -> None:
    """Wait for the finite workers (the event and run followers never end), then stop cursors blinking."""
    for _ in range(100):
        await pilot.pause(0.05)
        if not [w for w in pilot.app.workers if w.group not in ("events", "follow") and w.is_running]:
            break
    for screen in pilot.app.screen_stack:
        for widget in screen.query("TextArea, Input"):
            widget.cursor_blink = False
    await pilot.pause(0.1)


async def select_first_session(pilot) -> None:
    await settle(pilot)
    await pilot.press("enter")  # the table has focus: use the highlighted session
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("code", ["print('hi')\n", "import yaml\n"], ids=["after-a-run", "missing-module"])
def test_main_screen_runs(snap_compare, tmp_path, size, code):
    """After a run: the log; after a missing module: the install panel with its proposal."""

    async def run_before(pilot):
        await select_first_session(pilot)
        pilot.app.screen.query_one("#editor", TextArea).load_text(code)
        await pilot.press("f5")
        await settle(pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("pane", ["#containers", "#editor", "#exec-log", "#specs"],
                         ids=["table", "editor", "output", "packages"])
def test_each_pane_zoomed(snap_compare, tmp_path, size, pane):
    """F10 on the focused pane: it takes the whole screen above the footer."""

    async def run_before(pilot):
        await select_first_session(pilot)
        if pane == "#specs":
            await pilot.press("f7")  # the install panel, its input focused
        else:
            pilot.app.screen.query_one(pane).focus()
        if pane == "#exec-log":
            await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_session_picker(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path, show_picker=True), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_cleanup_screen_with_foreign_containers_shown(snap_compare, tmp_path, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        pilot.app.screen.query_one("#foreign").value = True
        await settle(pilot)
        await pilot.press("a")  # selects msc's containers only
        await settle(pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("key", ["f1", "ctrl+q"], ids=["help", "quit-dialog"])
def test_dialogs(snap_compare, tmp_path, size, key):
    async def run_before(pilot):
        await select_first_session(pilot)
        await pilot.press(key)
        await settle(pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)


async def test_remapped_key_runs_the_action(tmp_path):
    msc = fake_msc(tmp_path)

    async def opener():
        return msc

    app = MscApp(opener=opener, clock=lambda: FROZEN_NOW, show_picker=False, keymap={"main.run": "ctrl+r"})
    async with app.run_test(size=(80, 24)) as pilot:
        await select_first_session(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "exit 0 - 0.12s - 5 lines" in app.screen.log_view.plain_lines()


async def test_every_main_screen_action_is_in_the_command_palette(tmp_path):
    from msc_tui.ui.screens.main import MainScreen

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for binding in MainScreen.BINDINGS:
            assert binding.description in titles, binding.id


async def test_f7_brings_back_the_traceback_after_a_missing_module(tmp_path):
    """A missing module shows the install proposal; F7 there goes back to the traceback, and again to Packages."""
    from textual.widgets import TabbedContent

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_first_session(pilot)
        app.screen.query_one("#editor", TextArea).load_text("import yaml\n")
        await pilot.press("f5")
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        assert tabs.active == "packages-tab"
        await pilot.press("f7")
        assert tabs.active == "output-tab"
        assert any("No module named 'yaml'" in line for line in app.screen.log_view.plain_lines())
        await pilot.press("f7")
        assert tabs.active == "packages-tab"


@pytest.mark.parametrize("size", SIZES)
def test_all_containers_with_their_owners(snap_compare, tmp_path, size):
    """F4: others' rows show, and an Owner column with them (Age and Pkgs give it room at 80)."""

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)

    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=run_before)
