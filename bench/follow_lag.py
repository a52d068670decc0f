"""A follower's lag: from the program printing a line to a second msc (another MSC_HOME) having it.

The program stamps each line with time.time(); the container shares the host's clock, so the
follower's receive time minus the stamp is the lag (target: within 0.5 s).
    python bench/follow_lag.py [lines]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time

from common import private_home

from msc_tui.core.service import Msc


async def measure(lines: int) -> list[float]:
    runner = await Msc.open()
    record = await runner.sessions.create(app_type="basic_app")
    with tempfile.TemporaryDirectory(prefix="msc-bench-pair-") as pair_home:
        home, os.environ["MSC_HOME"] = os.environ["MSC_HOME"], pair_home
        follower = await Msc.open()
        os.environ["MSC_HOME"] = home
    lags: list[float] = []

    async def follow():
        async for event in follower.runs.follow(record.container_name):
            if event.kind == "output":
                now = time.time()
                lags.extend(now - float(line) for line in event.text.split() if line)
            elif event.kind == "end":
                return

    try:
        watching = asyncio.create_task(follow())
        await asyncio.sleep(1)  # the follower is listening before the run starts
        code = f"import time\nfor _ in range({lines}):\n    print(time.time(), flush=True)\n    time.sleep(0.05)\n"
        await runner.run(record, code)
        await asyncio.wait_for(watching, 30)
    finally:
        await follower.close()
        await runner.close()
    return lags


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    with private_home():
        lags = asyncio.run(measure(count))
    ms = sorted(lag * 1000 for lag in lags)
    print(f"follower lag over {len(ms)} lines: median {statistics.median(ms):.0f} ms, "
          f"p95 {ms[int(len(ms) * 0.95) - 1]:.0f} ms, max {ms[-1]:.0f} ms (target: within 500 ms)")
