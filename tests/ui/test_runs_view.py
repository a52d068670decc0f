"""The Runs view (ctrl+r) shows a run's code the full width, and `l` takes it into the editor
(issue #25: a 33-column pane, cut, and no way to load it)."""

from __future__ import annotations

from textual.widgets import TextArea

from tests.ui.test_snapshots import make_app, select_first_session, settle

FIRST = "print('first run: a line too long for a third of the screen')\n"


async def run(pilot, code: str) -> None:
    pilot.app.screen.editor.load_text(code)
    await pilot.press("f5")
    await settle(pilot)


async def test_the_runs_view_shows_a_runs_code_full_width_and_l_loads_it(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_first_session(pilot)
        await run(pilot, FIRST)
        await run(pilot, "print('second')\n")
        main = app.screen
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("down")  # the first run (the newest is on top)
        await settle(pilot)
        code = app.screen.query_one("#run-code", TextArea)
        assert code.text == FIRST
        assert code.region.width >= 70  # about the screen's width, not a third of it
        shown = code.scrollable_content_region.width
        assert shown >= len(FIRST.rstrip()) + 4  # the line number and the whole line fit
        await pilot.press("o")
        await settle(pilot)
        output = app.screen.query_one("#run-output")
        assert output.region.width >= 70 and FIRST.rstrip() in [f"print('{line}')" for line in output.plain_lines()]
        await pilot.press("l")
        await settle(pilot)
        assert app.screen is main
        assert main.editor.text == FIRST and main.editor.modified  # the session's main.py holds the second
        assert main.editor.border_title.startswith("●")
