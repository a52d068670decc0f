"""A `\\r` progress bar costs the log work in the line's length, not in the number of updates:
counted in characters the log converts and holds (never in wall time, which would flake)."""

from __future__ import annotations

from textual.app import App

from msc_tui.ui.widgets import exec_log
from msc_tui.ui.widgets.exec_log import ExecLog


class LogApp(App):
    def compose(self):
        yield ExecLog(id="log")


def bar(i: int, total: int) -> str:
    done = i * 20 // total
    return f"{i * 100 // total:3d}%|{'#' * done}{' ' * (20 - done)}| {i}/{total}"


async def test_a_progress_bar_costs_work_in_its_line_not_in_its_updates(monkeypatch):
    converted: list[int] = []
    real_visible = exec_log.visible

    def counting_visible(text: str) -> str:
        converted.append(len(text))
        return real_visible(text)

    monkeypatch.setattr(exec_log, "visible", counting_visible)
    total = 2_000
    app = LogApp()
    async with app.run_test(size=(60, 8)) as pilot:
        log = app.query_one(ExecLog)
        fed = held = 0
        for i in range(1, total + 1):
            chunk = "\r" + bar(i, total)
            log.feed("stdout", chunk)
            fed += len(chunk)
            held = max(held, len(log.partial["stdout"]))
            if i % 10 == 0:  # a flush every 10 updates (the screen's timer flushes every 50 ms)
                log.flush()
        await pilot.pause()
        assert log.provisional == [("stdout", bar(total, total))]  # the last state shows
        assert held <= len(bar(total, total)) + 1  # one state kept, not 2,000
        # Each state converted at most once per flush: about 200 flushes of one ~40-character
        # line. Rebuilt from all the updates so far, it was ~100 times the text fed.
        assert sum(converted) <= fed
        log.feed("stdout", "\n")
        log.flush()
        await pilot.pause()
        assert log.plain_lines() == [bar(total, total)]


async def test_a_bar_that_ends_its_updates_with_a_carriage_return_shows_as_a_terminal_shows_it():
    """`50%\\r` stays on screen until the next draw; `100%\\r\\n` (or CRLF) keeps its text."""
    app = LogApp()
    async with app.run_test(size=(60, 8)) as pilot:
        log = app.query_one(ExecLog)
        log.feed("stdout", " 10%\r")
        log.feed("stdout", " 50%\r")
        log.flush()
        await pilot.pause()
        assert log.provisional == [("stdout", " 50%")]
        log.feed("stdout", "100%\r\nwindows line\r\n")
        log.flush()
        await pilot.pause()
        assert log.plain_lines() == ["100%", "windows line"]
