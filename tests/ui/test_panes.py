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
            assert log.following, (log.scroll_y, log.max_scroll_y)
            assert "⏸" not in output_label(app)

