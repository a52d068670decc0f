"""Installing pandas into a fresh session: plain pip vs msc (uv + the shared cache), one run.

Target (issue 4): msc at least 4x faster than plain pip.
  plain pip   python3 -m pip install pandas, with an empty pip cache (what a fresh container does)
  msc cold    uv pip install with an empty uv cache (msc's installer, first session ever)
  msc warm    msc install in another fresh session (the shared cache volume is warm)
    python bench/install_speed.py [package]
"""

from __future__ import annotations

import asyncio
import sys
import time

from common import private_home

from msc_tui.core.service import Msc


async def main(package: str) -> tuple[float, float, float]:
    msc = await Msc.open()
    try:
        first, second, third = [await msc.sessions.create(app_type="basic_app") for _ in range(3)]

        async def timed_exec(record, argv, env) -> float:
            started = time.perf_counter()
            code, _, err = await msc.engine.execs.output(record.container_name, argv, user="appuser",
                                                         timeout=900, env=env)
            assert code == 0, err[-500:]
            return time.perf_counter() - started

        pip = await timed_exec(first, ["python3", "-m", "pip", "install", package],
                               {"PIP_CACHE_DIR": "/tmp/empty-pip-cache"})
        cold = await timed_exec(second, ["uv", "pip", "install", package], {"UV_CACHE_DIR": "/tmp/empty-uv-cache"})
        await msc.packages.install(second, [package])  # fills the shared cache
        started = time.perf_counter()
        await msc.packages.install(third, [package])
        warm = time.perf_counter() - started
    finally:
        await msc.close()
    return pip, cold, warm


if __name__ == "__main__":
    with private_home():
        pip, cold, warm = asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "pandas"))
    print(f"plain pip, empty cache:          {pip:6.2f} s")
    print(f"msc's uv, empty cache:           {cold:6.2f} s  {pip / cold:4.1f}x faster than pip")
    print(f"msc install, shared cache warm:  {warm:6.2f} s  {pip / warm:4.1f}x faster than pip  target >= 4x")
