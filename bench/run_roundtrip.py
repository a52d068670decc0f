"""print(1) round trip on every path vs a raw aiodocker exec of `python3 -c`, same container.

Targets (warm-runs issue): the API's warm path <= 0.5x raw; the CLI's `msc run` <= 1.0x. The CLI is
a new process per run: it is shown against the raw exec and against the docker CLI's `docker exec`
(also a new process per run), through the run agent (the default) and without it (MSC_AGENT=0).
Paths are interleaved round by round so machine noise hits them alike.
    python bench/run_roundtrip.py [rounds]
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

from common import interleaved, median_ms, private_home, stop_agents

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
    exec_path = run(Msc.open(warm=False))
    warm_path = run(Msc.open(warm=True))
    record = run(exec_path.sessions.create(app_type="basic_app"))
    name = record.container_name
    docker = run(_client())
    cli = [sys.executable, "-m", "msc_tui", "run", "-s", record.id, "-"]
    no_agent = {**os.environ, "MSC_AGENT": "0"}
    paths = {
        "raw": lambda: run(raw_exec(docker, name)),
        "exec": lambda: run(exec_path.run(record, CODE)),
        "warm": lambda: run(warm_path.run(record, CODE)),
        "api": lambda: dm.execute_in_container(name, CODE),
        "docker-cli": lambda: subprocess.run(["docker", "exec", "-u", "appuser", name, "python3", "-c", CODE],
                                             capture_output=True, check=True),
        "msc-cli": lambda: subprocess.run(cli, input=CODE, text=True, capture_output=True, check=True),
        "msc-cli-usual": lambda: subprocess.run(cli, input=CODE, text=True, capture_output=True, check=True,
                                                env=no_agent),
    }
    agent_answers(cli)
    with DockerManager() as dm:
        try:
            samples = interleaved(paths, rounds)
        finally:
            run(docker.close())
            run(warm_path.close())
            run(exec_path.close())
            loop.close()
    return samples


def agent_answers(cli: list[str]) -> None:
    """The first run starts the agent (and goes the usual way); wait until it serves."""
    for _ in range(100):
        done = subprocess.run([*cli[:-1], "--json", "-"], input=CODE, text=True, capture_output=True, check=True)
        if '"run_path": "warm"' in done.stdout:
            return
        time.sleep(0.2)
    raise SystemExit("the run agent did not start")


async def _client():
    import aiodocker

    return aiodocker.Docker()


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with private_home() as home:
        os.environ.pop("XDG_RUNTIME_DIR", None)  # the agent's socket in MSC_HOME: private to this benchmark
        try:
            samples = measure(rounds)
        finally:
            stop_agents(home)
    m = {name: median_ms(s) for name, s in samples.items()}
    print(f"medians of {rounds} interleaved rounds, print(1), one container (machine: {os.cpu_count()} cores)")
    print(f"raw aiodocker exec `python3 -c`:   {m['raw']:6.1f} ms")
    print(f"msc exec path (a `run` exec):      {m['exec']:6.1f} ms  ratio {m['exec'] / m['raw']:.2f}x")
    print(f"msc warm path (core coroutine):    {m['warm']:6.1f} ms  ratio {m['warm'] / m['raw']:.2f}x")
    print(f"msc warm path (DockerManager API): {m['api']:6.1f} ms  ratio {m['api'] / m['raw']:.2f}x")
    print(f"`docker exec ... python3 -c` (CLI): {m['docker-cli']:6.1f} ms")
    for key, label in (("msc-cli", "through the run agent"), ("msc-cli-usual", "MSC_AGENT=0, usual path")):
        print(f"`msc run -s S -` ({label}): {m[key]:6.1f} ms  ratio {m[key] / m['raw']:.2f}x raw exec, "
              f"{m[key] / m['docker-cli']:.2f}x docker exec")
