"""New sessions from the warm pool (issue 26), each beside its baseline in the same run:

1. `msc run --new app.py` (through the run agent, which keeps the pool) against
   `docker run --rm IMAGE python3 -c 'print(1)'` on the same image. Goal: at most 0.25x.
2. The API's `create_session` + its first `print(1)` with the pool, beside the same without a
   pool ([pool] size 0: the session made then). Goal: median at most 50 ms.

Before each timed round the pool is given time to refill (not timed): the figures are for a new
session when the pool has one waiting, as when sessions are made a few seconds apart.
    python bench/pool_start.py [rounds]
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from common import median_ms, private_home, stop_agents


def ready_pool(home: str, timeout: float = 60) -> set[str]:
    """Wait until the home's pool has a ready session (its record has its container); their ids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            records = tomllib.loads((Path(home) / "sessions.toml").read_text())["sessions"]
        except (FileNotFoundError, KeyError, tomllib.TOMLDecodeError):
            records = {}
        ready = {sid for sid, r in records.items() if r.get("pool") and r.get("container_id")}
        if ready:
            return ready
        time.sleep(0.05)
    raise SystemExit("the pool did not refill within a minute")


def timed_run(argv: list[str], expect: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=os.environ.copy())
    elapsed = time.perf_counter() - started
    assert done.returncode == 0 and done.stdout.strip().endswith(expect), (done.stdout, done.stderr)
    return elapsed


def cli_rounds(home: str, image: str, rounds: int) -> dict[str, list[float]]:
    app = Path(home) / "project" / "app.py"  # a one-file project of its own
    app.parent.mkdir()
    app.write_text("print(1)\n")
    msc = [sys.executable, "-m", "msc_tui", "run", "--new", str(app)]
    subprocess.run(msc, capture_output=True, check=True)  # starts the run agent (this one is made fresh)
    samples: dict[str, list[float]] = {"msc run --new (pool)": [], "docker run --rm": []}
    for i in range(rounds + 2):  # two warm-up rounds
        ready_pool(home)
        time.sleep(0.5)  # the agent's refill has finished its engine calls
        pool = timed_run(msc, "1")
        docker = timed_run(["docker", "run", "--rm", image, "python3", "-c", "print(1)"], "1")
        if i >= 2:
            samples["msc run --new (pool)"].append(pool)
            samples["docker run --rm"].append(docker)
    stop_agents(home)
    return samples


def api_rounds(rounds: int) -> dict[str, list[float]]:
    from msc_tui import DockerManager
    from msc_tui.config import load_settings

    settings = load_settings()
    pooled, plain = DockerManager(settings), DockerManager(dataclasses.replace(settings, pool_size=0))
    home = str(settings.state_dir)
    samples: dict[str, list[float]] = {"API create + print(1), pool": [], "API create + print(1), no pool": []}
    try:
        for i in range(rounds + 2):
            ready_pool(home)
            time.sleep(0.5)
            # the pool first: the session the baseline makes would still busy the engine
            for name, manager in (("API create + print(1), pool", pooled), ("API create + print(1), no pool", plain)):
                started = time.perf_counter()
                session = manager.create_session()
                result = manager.execute_in_container(session, "print(1)")
                elapsed = time.perf_counter() - started
                assert result["stdout"] == "1\n", result
                if i >= 2:
                    samples[name].append(elapsed)
    finally:
        pooled.close()
        plain.close()
    return samples


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    os.environ.pop("MSC_POOL_SIZE", None)  # the default pool ([pool] size 1)
    os.environ.pop("XDG_RUNTIME_DIR", None)  # the run agent's files in the private home (stopped after)
    with private_home() as home:
        built = subprocess.run([sys.executable, "-m", "msc_tui", "build", "--json"], capture_output=True,
                               text=True, check=True)
        image = json.loads(built.stdout)["image"]
        cli = cli_rounds(home, image, rounds)
        api = api_rounds(rounds)
    ratio = median_ms(cli["msc run --new (pool)"]) / median_ms(cli["docker run --rm"])
    for name, values in {**cli, **api}.items():
        print(f"{name:34} median {median_ms(values):7.1f} ms  (min {min(values) * 1000:6.1f}, "
              f"max {max(values) * 1000:6.1f}, {len(values)} rounds)")
    print(f"msc run --new with the pool: {ratio:.2f}x docker run --rm  (goal: at most 0.25x)")
    print(f"API create + print(1) with the pool: {median_ms(api['API create + print(1), pool']):.1f} ms "
          "(goal: median at most 50 ms)")
