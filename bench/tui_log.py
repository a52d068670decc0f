"""The exec log under a flood: a program printing 100,000 lines, in the real TUI (headless).

Prints, all measured in one run:
  - the run's wall time in the TUI beside the same run through the core with no UI;
  - how late a 20 ms timer fires during the flood (what a key press waits), median and worst;
  - lines kept in memory (bounded by max_lines);
  - ExecLog beside Textual's own Log writing 100k lines in 1,000-line batches, a render after each.
    python bench/tui_log.py
"""

from __future__ import annotations

import asyncio
import statistics
import time

from common import private_home
from textual.app import App
from textual.widgets import Log, TextArea

from msc_tui.core.service import Msc
from msc_tui.ui.app import MscApp
from msc_tui.ui.widgets.exec_log import ExecLog

CODE = "for i in range(100_000):\n    print('line', i)\n"


async def in_tui() -> tuple[float, list[float], int]:
    app = MscApp(show_picker=False)
    lags: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        while app.msc is None:
            await pilot.pause(0.05)
        app.screen.query_one("#editor", TextArea).load_text("print('warm')")
        await pilot.press("f5")
        while app.screen.current is None or "warm" not in app.screen.log_view.plain_lines():
            await pilot.pause(0.05)
        log = app.screen.log_view
        app.screen.query_one("#editor", TextArea).load_text(CODE)
        expected = time.monotonic() + 0.02

        def probe() -> None:
            nonlocal expected
            now = time.monotonic()
            lags.append(max(0.0, now - expected))
            expected = now + 0.02

        timer = app.set_interval(0.02, probe)
        started = time.monotonic()
        await pilot.press("f5")
        while not any(line.startswith("exit ") for line in list(log.plain_lines())[-3:]):
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - started
        timer.stop()
        kept = len(log.lines)
    return elapsed, lags, kept


async def without_ui() -> float:
    msc = await Msc.open()
    try:
        record = next(r for r in msc.sessions.records().values())
        started = time.monotonic()
        result = await msc.run(record, CODE, on_output=lambda stream, text: None)
        assert result.success
        return time.monotonic() - started
    finally:
        await msc.close()


class WidgetBench(App):
    def __init__(self, widget):
        super().__init__()
        self.widget = widget

    def compose(self):
        yield self.widget


async def widget_time(make_widget, write) -> float:
    app = WidgetBench(make_widget())
    async with app.run_test(size=(80, 24)) as pilot:
        started = time.monotonic()
        for batch in range(100):
            write(app.widget, [f"line {batch * 1000 + i}" for i in range(1000)])
            await pilot.pause()
        return time.monotonic() - started


def exec_log_write(widget: ExecLog, lines: list[str]) -> None:
    widget.feed("stdout", "\n".join(lines) + "\n")
    widget.flush()


async def main() -> None:
    tui, lags, kept = await in_tui()
    plain = await without_ui()
    ours = await widget_time(lambda: ExecLog(max_lines=10_000), exec_log_write)
    textual_log = await widget_time(lambda: Log(max_lines=10_000), lambda w, lines: w.write_lines(lines))
    print(f"100k lines, run in the TUI:        {tui:6.2f} s  "
          f"({tui / plain:.2f}x the same run with no UI: {plain:.2f} s)")
    print(f"timer lateness during the flood:   median {statistics.median(lags) * 1000:5.1f} ms, "
          f"worst {max(lags) * 1000:5.1f} ms ({len(lags)} probes)")
    print(f"lines kept in memory:              {kept} (max_lines 10000)")
    print(f"ExecLog vs Textual Log, 100k lines in 1,000-line batches: {ours:.2f} s vs {textual_log:.2f} s "
          f"({ours / textual_log:.2f}x)")


if __name__ == "__main__":
    with private_home():
        asyncio.run(main())
