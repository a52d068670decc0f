"""Cleaning N sessions with `msc clean` vs `docker rm -f` of N containers in one command,
and `msc df` with N sessions present.

Targets (cleanup issue): msc clean <= 1.5x docker rm -f; msc df under 2 s at N = 200.
Both sides remove running containers made the same way (labelled as this home's sessions),
one after the other, twice, so the engine's state is alike for each.
    python bench/clean_speed.py [N]
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import docker
from common import private_home, timed


def make(client, image: str, home: str, count: int) -> list[str]:
    def one(_):
        sid = uuid.uuid4().hex[:6]
        return client.containers.run(image, ["sleep", "infinity"], detach=True, init=True,
                                     name=f"msc-dev-session-{sid}",
                                     labels={"msc.home": home, "msc.session": sid}).name
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def msc(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "msc_tui", *args], capture_output=True, text=True,
                          env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    return done


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    image = os.environ.get("MSC_BASE_IMAGE", "python:3.11-slim")
    client = docker.from_env(timeout=600)
    results = {"docker rm -f": [], "msc clean": [], "msc df": []}
    with private_home() as home:
        for _ in range(2):
            names = make(client, image, home, count)
            results["docker rm -f"].append(timed(lambda names=names: subprocess.run(["docker", "rm", "-f", *names],
                                                                                    capture_output=True, check=True)))
            make(client, image, home, count)
            results["msc df"].append(timed(lambda: msc("df", "--json")))
            results["msc clean"].append(timed(lambda: msc("clean", "--yes", "--json")))
            assert not client.containers.list(all=True, filters={"label": f"msc.home={home}"})
    best = {k: min(v) for k, v in results.items()}
    for name, seconds in best.items():
        print(f"{name:14} {seconds:6.2f} s  ({count} sessions; all: {', '.join(f'{s:.2f}' for s in results[name])})")
    print(f"msc clean / docker rm -f: {best['msc clean'] / best['docker rm -f']:.2f}x (target <= 1.5x)")
    print(f"msc df: {best['msc df']:.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
