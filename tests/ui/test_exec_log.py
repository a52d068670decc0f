"""The output log shows what a terminal would: colours, redrawn lines, visible control
characters, wrapped lines; it follows the tail until the user scrolls up; it searches."""

from __future__ import annotations

from textual.app import App

from msc_tui.ui.widgets.exec_log import ExecLog


class LogApp(App):
    def compose(self):
        yield ExecLog(id="log")


def shown(log: ExecLog) -> list[str]:
    """The rows on screen, as text."""
    return [log.render_line(y).text.rstrip() for y in range(log.size.height)]


async def test_colours_redraws_control_characters_and_wide_characters():
    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(ExecLog)
        log.feed("stdout", "\x1b[31mred\x1b[0m plain\n10%\r50%\r100%\nbell\x07 esc\x1b!\n宽字符|\n")
        log.feed("stderr", "an error\n")
        log.flush()
        await pilot.pause(0.1)
        assert log.plain_lines() == ["red plain", "100%", "bell^G esc^[!", "宽字符|", "an error"]
        first = log.render_line(0)
        red = next(s for s in first if s.text == "red")
        plain = next(s for s in first if "plain" in s.text)
        assert red.style.color.name == "color(1)" and red.style.color != plain.style.color
        assert shown(log)[3] == "宽字符|" and log.entries[3].cells == 7  # cells, not code points
        error = log.render_line(4)
        assert list(error)[0].style.color != plain.style.color  # stderr stays distinct


async def test_links_cursor_moves_and_c1_controls_are_shown_as_text_never_sent():
    """A link's target is written to the terminal inside Textual's own OSC 8: one carrying an
    OSC 52 would write the reader's clipboard. So no sequence but a colour is read."""
    app = LogApp()
    async with app.run_test(size=(80, 10)) as pilot:
        log = app.query_one(ExecLog)
        log.feed("stdout", "a\x1b]8;;http://x\x1b]52;c;QQ==\x1b\\click\x1b]8;;\x1b\\b\n\x1b[2Jclear\n\x9b2Jc1\n")
        log.flush()
        await pilot.pause(0.1)
        assert log.plain_lines() == ["a^[]8;;http://x^[]52;c;QQ==^[\\click^[]8;;^[\\b", "^[[2Jclear", "M-^[2Jc1"]
        assert not [s for y in range(3) for s in log.render_line(y) if s.style and s.style.link]


async def test_long_lines_wrap_by_default_and_w_cuts_them():
    app = LogApp()
    async with app.run_test(size=(30, 10)) as pilot:
        log = app.query_one(ExecLog)
        log.feed("stdout", "x" * 70 + "\nend\n")
        log.flush()
        await pilot.pause(0.1)
        width = log.scrollable_content_region.width
        rows = shown(log)
        assert rows[0] == "x" * width and rows[1].startswith("x") and "end" in rows
        log.focus()
        await pilot.press("w")
        await pilot.pause(0.1)
        cut = shown(log)
        assert cut[0].startswith("x" * width) and cut[1] == "end"  # one row each, scrolled sideways


async def test_the_tail_is_followed_until_the_user_scrolls_up_and_end_follows_again():
    app = LogApp()
    async with app.run_test(size=(40, 8)) as pilot:
        log = app.query_one(ExecLog)
        for i in range(50):
            log.feed("stdout", f"line {i}\n")
            log.flush()
        await pilot.pause(0.1)
        assert shown(log)[-1] == "line 49" and log.following
        log.focus()
        await pilot.press("home")
        await pilot.pause(0.1)
        log.feed("stdout", "line 50\n")
        log.flush()
        await pilot.pause(0.1)
        assert shown(log)[0] == "line 0" and not log.following  # stays where the user is
        await pilot.press("end")
        await pilot.pause(0.1)
        log.feed("stdout", "line 51\n")
        log.flush()
        await pilot.pause(0.1)
        assert shown(log)[-1] == "line 51" and log.following


async def test_search_finds_next_and_previous_and_marks_the_match():
    app = LogApp()
    async with app.run_test(size=(40, 8)) as pilot:
        log = app.query_one(ExecLog)
        log.feed("stdout", "".join(f"{'needle' if i in (5, 30) else 'hay'} {i}\n" for i in range(50)))
        log.flush()
        log.focus()
        await pilot.press("slash")
        await pilot.pause(0.1)
        for char in "needle":
            await pilot.press(char)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert log.entries[log.match_id - log.first_id].plain == "needle 5" and "needle 5" in shown(log)
        await pilot.press("n")
        await pilot.pause(0.1)
        assert log.entries[log.match_id - log.first_id].plain == "needle 30" and "needle 30" in shown(log)
        row = shown(log).index("needle 30")
        assert list(log.render_line(row))[0].style.reverse  # the match stands out
        await pilot.press("N")
        await pilot.pause(0.1)
        assert log.entries[log.match_id - log.first_id].plain == "needle 5"


async def test_s_saves_the_lines_to_the_file_asked_for(tmp_path):
    from textual.widgets import Input

    app = LogApp()
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(ExecLog)
        log.feed("stdout", "one\ntwo\n")
        log.meta("exit 0")
        log.focus()
        await pilot.press("s")
        await pilot.pause(0.1)
        app.screen.query_one(Input).value = str(tmp_path / "out.txt")
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert (tmp_path / "out.txt").read_text() == "one\ntwo\nexit 0\n"


async def test_a_colour_set_before_a_carriage_return_holds_after_the_redraw():
    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        log = app.query_one(ExecLog)
        log.feed("stdout", "\x1b[32m 10%\r")  # the colour, then a bar redrawn over chunks
        for i in range(2, 2001):
            log.feed("stdout", f"\x1b[1m\x1b[32m{i % 100:3d}%\r")
            assert len(log.partial["stdout"]) < 40  # the colours before are kept once, not per update
        log.feed("stdout", "done\n\x1b[31mred\x1b[0m\rplain\n")
        log.flush()
        await pilot.pause(0.1)
        assert log.plain_lines() == ["done", "plain"]
        done = log.render_line(0)
        assert [(s.style.color.name, s.style.bold) for s in done if s.text.strip()] == [("color(2)", True)]
        plain = log.render_line(1)  # reset before the \r: the stream's own colour again
        assert all(s.style.color is None or s.style.color.name != "color(1)" for s in plain if s.text.strip())
