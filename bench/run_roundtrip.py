"""msc's run round trip vs a raw aiodocker exec of `python3 -c`, same container, one run.

Target (issue 3): msc / raw <= 1.15. The three paths are interleaved round by round so
machine noise hits them alike.
    python bench/run_roundtrip.py [rounds]
"""

from __future__ import annotations

import asyncio
import sys
import time

from common import median_ms, private_home

from msc_tui import DockerManager
from msc_tui.core.service import Msc

CODE = "print(1)"


async def raw_exec(docker, name: str) -> None:
    execution = await docker.containers.container(name).exec(["python3", "-c", CODE], user="appuser")
    async with execution.start(detach=False) as stream:
        while await stream.read_out() is not None:
            pass
    assert (await execution.inspect())["ExitCode"] == 0


def measure(rounds: int) -> dict[str, list[float]]:

    loop = asyncio.new_event_loop()
    run = loop.run_until_complete
    msc = run(Msc.open())
    record = run(msc.sessions.create(app_type="basic_app"))
    docker = run(_client())
    samples: dict[str, list[float]] = {"raw": [], "core": [], "api": []}
    paths = {
        "raw": lambda: run(raw_exec(docker, record.container_name)),
        "core": lambda: run(msc.run(record, CODE)),
        "api": lambda: dm.execute_in_container(record.container_name, CODE),
    }
    with DockerManager() as dm:
        try:
            for i in range(rounds + 5):  # the first 5 rounds warm every path
                for name, path in paths.items():
                    started = time.perf_counter()
                    path()
                    if i >= 5:
                        samples[name].append(time.perf_counter() - started)
        finally:
            run(docker.close())
            run(msc.close())
            loop.close()
    return samples


async def _client():
    import aiodocker

    return aiodocker.Docker()


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with private_home():
        samples = measure(rounds)
    raw = median_ms(samples["raw"])
    print(f"raw aiodocker exec `python3 -c`: {raw:6.1f} ms (median of {rounds}, interleaved)")
    print(f"msc run, core coroutine:        {median_ms(samples['core']):6.1f} ms  "
          f"ratio {median_ms(samples['core']) / raw:.2f}x")
    print(f"msc run, DockerManager (API):   {median_ms(samples['api']):6.1f} ms  "
          f"ratio {median_ms(samples['api']) / raw:.2f}x")
