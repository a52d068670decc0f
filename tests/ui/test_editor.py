"""The editor never loses work: a modified marker, a question before anything replaces unsaved
text, Python's indentation after Enter, select-all (Pilot with the fake engine)."""

from __future__ import annotations

from tests.ui.test_snapshots import make_app, settle


async def type_in_editor(pilot, text: str) -> None:
    pilot.app.screen.editor.focus()
    await pilot.pause(0.05)
    for char in text:
        await pilot.press("enter" if char == "\n" else "space" if char == " " else char)


async def test_unsaved_text_is_marked_and_asked_about_before_open_new_and_quit(tmp_path):
    local = tmp_path / "app.py"
    local.write_text("print('on disk')\n")
    app = make_app(tmp_path)
    app.open_path = local
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = app.screen
        assert not main.editor.modified and not main.editor.border_title.startswith("●")
        await type_in_editor(pilot, "x")
        assert main.editor.modified and main.editor.border_title.startswith("●")

        for key in ("ctrl+o", "ctrl+n", "ctrl+q"):
            await pilot.press(key)
            await pilot.pause(0.2)
            assert type(app.screen).__name__ == "Unsaved", key
            await pilot.press("escape")  # cancel: nothing replaced, nothing lost
            await pilot.pause(0.2)
            assert app.screen is main and main.editor.text.startswith("x") and app.is_running

        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        app.screen.query_one("#save").press()  # save, then the quit dialog as usual
        await pilot.pause(0.3)
        assert local.read_text().startswith("xprint") and type(app.screen).__name__ == "QuitDialog"
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not main.editor.modified and not main.editor.border_title.startswith("●")


async def test_discarding_opens_the_other_file_and_switching_sessions_keeps_unsaved_text(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = app.screen
        await type_in_editor(pilot, "y = 1")
        text = main.editor.text
        main.table.focus()
        await pilot.press("enter")  # use the highlighted session: the unsaved text stays
        await settle(pilot)
        assert main.current is not None and main.editor.text == text and main.editor.modified
        await pilot.press("ctrl+n")
        await pilot.pause(0.2)
        app.screen.query_one("#discard").press()
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "AskText"  # the new-file question comes after the answer


async def test_enter_indents_as_python_needs_and_ctrl_a_selects_all(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        editor = app.screen.editor
        editor.load("")
        await type_in_editor(pilot, "def f():\nreturn 1\n")
        assert editor.text == "def f():\n    return 1\n    "
        await pilot.press("ctrl+a")
        assert editor.selected_text == editor.text


async def test_a_pairs_code_loaded_into_a_local_file_is_unsaved_until_saved_and_asked_about_on_quit(tmp_path):
    """ctrl+l puts the pair's code in the editor; the file on disk still holds the old code, so
    the title says `●` and quitting asks (issue #25). ctrl+z gives the old text back."""
    local = tmp_path / "app.py"
    local.write_text("print('mine')\n")
    app = make_app(tmp_path)
    app.open_path = local
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        editor = app.screen.editor
        editor.offer_other_code("app.py", "print('theirs')\n", "bob@devbox")
        await pilot.press("ctrl+l")
        await pilot.pause(0.2)
        app.screen.query_one("#yes").press()  # "Load it"
        await pilot.pause(0.2)
        assert editor.text == "print('theirs')\n" and local.read_text() == "print('mine')\n"
        assert editor.modified and editor.border_title.startswith("●")
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "Unsaved"
        await pilot.press("escape")
        await pilot.pause(0.2)
        editor.focus()
        await pilot.press("ctrl+z")
        await pilot.pause(0.1)
        assert editor.text == "print('mine')\n" and not editor.modified


async def test_ctrl_home_and_ctrl_end_go_to_the_first_and_last_line_also_when_the_output_is_scrolled_up(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        editor = app.screen.editor
        editor.load("a = 1\nb = 2\nc = 3\n")
        editor.focus()
        await pilot.press("ctrl+end")
        assert editor.cursor_location == (3, 0)
        await pilot.press("ctrl+home")
        assert editor.cursor_location == (0, 0)
        app.screen.log_view.follows = False  # ctrl+end then also follows the output again (test_panes)
        await pilot.press("ctrl+end")
        assert editor.cursor_location == (3, 0) and app.focused is editor


async def test_each_loaded_text_is_highlighted_with_one_compiled_query(tmp_path):
    """Textual compiles Python's highlight query for each document; msc compiles it once
    (code_editor.py), and the second text is still highlighted by it."""
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        editor = app.screen.editor
        editor.load("def first():\n    return 1\n")
        query = editor._highlight_query
        editor.load("import os\nclass Second:\n    pass\n")
        await pilot.pause(0.05)
        assert query is not None and editor._highlight_query is query
        captured = editor.document.query_syntax_tree(query)
        assert {"keyword", "type"} <= set(captured), set(captured)  # `import`, `class`; `Second`
        assert {name for _, _, name in editor._highlights[1]} >= {"keyword", "type"}  # what is drawn
