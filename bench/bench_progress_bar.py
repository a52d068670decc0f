"""A tqdm-style progress bar in the exec log: N updates redrawn with `\\r`, no newline until the end.

The UI time of the updates (each one fed as its own chunk, as a program flushing after every
update sends them; a flush and the screen's rows drawn every 100 updates, as the 50 ms timer
does), side by side with the same updates printed as whole lines, at 5,000, 10,000 and 20,000
updates. Linear work shows as a ratio near 2 from each size to the next; quadratic work as 4.
Target: 20,000 updates in under 0.5 s. No Docker needed.
    python bench/bench_progress_bar.py
"""

from __future__ import annotations

import asyncio
import time

from textual.app import App

from msc_tui.ui.widgets.exec_log import ExecLog

SIZES = (5_000, 10_000, 20_000)
FLUSH_EVERY = 100


class LogBench(App):
    def compose(self):
        yield ExecLog(id="log")


def update(i: int, total: int) -> str:
    done = i * 30 // total
    return f"{i * 100 // total:3d}%|{'#' * done}{' ' * (30 - done)}| {i}/{total} [00:01<00:02, 9999.99it/s]"


async def ui_time(total: int, end: str) -> float:
    """Seconds the app spends feeding, flushing and drawing `total` updates, each ended by `end`
    (`\\r` before the update: a redraw; `\\n` after it: a line)."""
    app = LogBench()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(ExecLog)
        chunks = [("\r" + update(i, total)) if end == "\r" else (update(i, total) + "\n") for i in range(1, total + 1)]
        started = time.perf_counter()
        for i, chunk in enumerate(chunks, 1):
            log.feed("stdout", chunk)
            if i % FLUSH_EVERY == 0 or i == total:
                log.flush()
                for y in range(log.size.height):
                    log.render_line(y)
        elapsed = time.perf_counter() - started
        await pilot.pause()
        last = update(total, total)
        shown = log.provisional[-1][1] if end == "\r" else log.plain_lines()[-1]
        assert shown == last, (shown, last)
    return elapsed


async def main() -> None:
    print(f"{'updates':>8}  {'redrawn (CR)':>13}  {'lines (LF)':>11}  {'CR / LF':>7}  {'CR vs previous size':>19}")
    previous = None
    for total in SIZES:
        redrawn = min([await ui_time(total, "\r") for _ in range(3)])
        lines = min([await ui_time(total, "\n") for _ in range(3)])
        growth = f"{redrawn / previous:.2f}x" if previous else "-"
        print(f"{total:>8}  {redrawn:>11.3f} s  {lines:>9.3f} s  {redrawn / lines:>6.2f}x  {growth:>19}")
        previous = redrawn
    print("target: 20,000 redrawn updates in under 0.5 s of UI time")


if __name__ == "__main__":
    asyncio.run(main())
