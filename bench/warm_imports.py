"""A script that imports numpy and pandas: a cold `python3` vs msc's warm path, same container.

Target (warm-runs issue): warm at least 5x faster. "Cold" is a raw aiodocker exec of
`python3 -c CODE` (what any exec-per-run tool pays); "warm" is the Python API's rerun once
the session's warm server has preloaded what earlier runs imported. Interleaved rounds.
    python bench/warm_imports.py [rounds]
"""

from __future__ import annotations

import sys
import time

from common import median_ms, private_home
from run_roundtrip import _client

from msc_tui import DockerManager

CODE = "import numpy, pandas\nprint(pandas.Series(numpy.arange(10)).sum())\n"


def measure(rounds: int) -> dict[str, list[float]]:
    import asyncio

    samples: dict[str, list[float]] = {"cold": [], "warm": []}
    loop = asyncio.new_event_loop()
    with DockerManager() as dm:
        name = dm.create_session(app_type="data_app")
        assert dm.install_packages_in_container(name, ["numpy", "pandas"]), dm.last_error
        docker = loop.run_until_complete(_client())

        async def cold() -> None:
            execution = await docker.containers.container(name).exec(["python3", "-c", CODE], user="appuser")
            async with execution.start(detach=False) as stream:
                while await stream.read_out() is not None:
                    pass

        first = dm.execute_in_container(name, CODE)
        assert first["stdout"] == "45\n", first
        deadline = time.monotonic() + 120
        while dm.execute_in_container(name, CODE)["preloaded_modules"] == 0 and time.monotonic() < deadline:
            time.sleep(1)  # the server preloads between runs
        for _ in range(rounds):
            started = time.perf_counter()
            loop.run_until_complete(cold())
            samples["cold"].append(time.perf_counter() - started)
            started = time.perf_counter()
            result = dm.execute_in_container(name, CODE)
            samples["warm"].append(time.perf_counter() - started)
            assert result["stdout"] == "45\n" and result["preloaded_modules"] > 0, result
        loop.run_until_complete(docker.close())
    loop.close()
    return samples


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with private_home():
        samples = measure(rounds)
    cold, warm = median_ms(samples["cold"]), median_ms(samples["warm"])
    print(f"numpy + pandas script, medians of {rounds} interleaved rounds")
    print(f"cold `python3 -c` exec:      {cold:7.1f} ms")
    print(f"msc warm path (API):         {warm:7.1f} ms  {cold / warm:.1f}x faster")
