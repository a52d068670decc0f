"""The main screen's panes with the fake engine: following the output, where the focus starts
and how it leaves the editor (issue #25's TUI bugs)."""

from __future__ import annotations

from textual.widgets import TabbedContent

from tests.ui.test_snapshots import make_app, select_first_session, settle

MANY_LINES = "for i in range(60):\n    print('line', i)\n"


def output_label(app) -> str:
    return str(app.screen.query_one(TabbedContent).get_tab("output-tab").label)


async def run_many_lines(pilot) -> None:
    await select_first_session(pilot)
    pilot.app.screen.editor.load_text(MANY_LINES)
    await pilot.press("f5")
    await settle(pilot)
    log = pilot.app.screen.log_view
    assert "line 59" in log.plain_lines() and log.max_scroll_y > 0 and log.following


async def test_zooming_the_output_and_back_keeps_it_following(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await run_many_lines(pilot)
        log = app.screen.log_view
        log.focus()
        for _ in range(2):  # zoom, unzoom; then again
            await pilot.press("f10")
            await settle(pilot)
            await pilot.press("f10")
            await settle(pilot)
            for _ in range(50):  # (the scroll to the tail comes after a refresh: late on a loaded machine)
                if log.following:
                    break
                await pilot.pause(0.1)
            assert log.following, (log.scroll_y, log.max_scroll_y)
            assert "⏸" not in output_label(app)


def footer_keys(app) -> dict[str, str]:
    return {k.key: k.description for k in app.screen.query("FooterKey")}


async def test_a_local_file_opens_with_the_focus_in_the_editor_and_the_footer_says_how_to_leave(tmp_path):
    local = tmp_path / "app.py"
    local.write_text("print('on disk')\n")
    app = make_app(tmp_path)
    app.open_path = local
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.focused is app.screen.editor and app.screen.editor.text == "print('on disk')\n"
        keys = footer_keys(app)
        assert keys.get("escape") == "Leave editor" and keys.get("f1") == "Help"
        help_key = next(k for k in app.screen.query("FooterKey") if k.key == "f1")
        assert help_key.region.right <= 80  # still on screen at 80 columns


async def test_tab_indents_in_the_editor_and_esc_or_shift_tab_leave_it(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        editor = app.screen.editor
        editor.load("")
        editor.focus()
        await pilot.pause()
        await pilot.press("tab", "tab")
        assert app.focused is editor and editor.text == " " * 8  # Tab indents, focus stays
        for leave in ("escape", "shift+tab"):
            editor.focus()
            await pilot.pause()
            assert footer_keys(app).get("escape") == "Leave editor"
            await pilot.press(leave)
            await pilot.pause()
            assert app.focused is not editor, leave
            assert "escape" not in footer_keys(app)  # said only where it applies


async def test_ctrl_end_follows_the_output_again_from_any_pane(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await run_many_lines(pilot)
        log, editor = app.screen.log_view, app.screen.editor
        log.focus()
        await pilot.press("home")
        await pilot.pause()
        assert not log.following and "⏸ End" in output_label(app)  # said at once, with no poll
        editor.focus()
        await pilot.pause()
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert log.following and "⏸" not in output_label(app) and app.focused is editor
