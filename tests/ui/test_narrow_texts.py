"""At 80x24 nothing is cut (issue #25): the footer's keys, the help's actions (wrapped), the
cleanup screen's rows and footer."""

from __future__ import annotations

from msc_tui.ui.screens.main import MainScreen
from tests.ui.test_snapshots import make_app, select_first_session, settle


def screen_text(app) -> str:
    """What the terminal shows, row by row."""
    return "\n".join(strip.text.rstrip() for strip in app.screen._compositor.render_strips())


def footer_fits(app) -> None:
    keys = list(app.screen.query("FooterKey"))
    assert keys and all(key.region.right <= 80 for key in keys), [(k.key, k.region) for k in keys]


async def test_the_help_wraps_every_action_at_80_columns(tmp_path):
    from textual.geometry import Region
    from textual.widgets import Static

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_first_session(pilot)
        footer_fits(app)
        await pilot.press("f1")
        await settle(pilot)
        keys = app.screen.query_one("#help-keys")
        assert keys.region.right <= 80
        table = keys.query_one(Static)
        rows = [strip.text for strip in table.render_lines(Region(0, 0, table.size.width, table.size.height))]
        header = next(row for row in rows if "Action" in row)
        start, end = header.index("Action"), header.index("Id")
        actions = " ".join(" ".join(row[start:end].split()) for row in rows)  # the Action column, rows read on
        cut = [b.description for b in MainScreen.BINDINGS if b.description not in actions]
        assert not cut, cut  # every action reads whole, wrapped where it must


async def test_the_cleanup_screen_fits_80_columns(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        app.screen.query_one("#foreign").value = True
        await settle(pilot)
        table = app.screen.query_one("#candidates")
        assert table.row_count == 6  # this home's, an image, a record, bob's and a container msc did not make
        assert table.virtual_size.width <= table.scrollable_content_region.width, table.virtual_size
        owners = {row.value: str(table.get_cell(row, "owner")) for row in table.rows}
        assert owners["msc-dev-session-b0b0b0"] == "bob" and owners["msc-dev-session-a1b2c3"] == "you"
        footer_fits(app)
        assert "d removes" in screen_text(app)  # the summary line, whole
        await pilot.press("a")  # this home's rows: not bob's, nor the image every home may use
        await settle(pilot)
        kinds = {row.value: str(table.get_cell(row, "kind")) for row in table.rows}
        assert app.screen.selected == {n for n, kind in kinds.items() if owners[n] == "you"} != set()
        assert "image" in kinds.values() and not any(kinds[n] == "image" for n in app.screen.selected)
        assert any("images serve every home" in str(n.message) for n in app._notifications)


async def test_at_80x24_a_runs_output_gets_the_room_until_the_editor_changes(tmp_path):
    from textual.widgets import TextArea

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_first_session(pilot)
        log = app.screen.log_view
        before = log.size.height
        editor = app.screen.query_one("#editor", TextArea)
        editor.load_text("for i in range(30):\n    print('line', i)\n")
        await pilot.press("f5")
        await settle(pilot)
        assert log.size.height >= before + 4, (before, log.size.height)  # the table and the editor shrank
        assert "line 21" in screen_text(app) and "exit 0" in screen_text(app)
        assert "msc-dev-session-a1b2c3" in screen_text(app)  # the current session's row still shows
        editor.focus()
        await pilot.press("end", "x")  # editing again: the editor gets its room back
        await settle(pilot)
        assert log.size.height == before
