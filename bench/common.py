"""Helpers shared by the benchmarks: a private MSC_HOME, interleaved timing, medians."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from contextlib import contextmanager


@contextmanager
def private_home():
    """Benchmarks make their own sessions under a throwaway MSC_HOME and remove them after."""
    import docker

    with tempfile.TemporaryDirectory(prefix="msc-bench-") as home:
        os.environ["MSC_HOME"] = home
        try:
            yield home
        finally:
            client = docker.from_env()
            for c in client.containers.list(all=True, filters={"label": f"msc.home={home}"}):
                c.remove(force=True)
            for volume in client.volumes.list(filters={"label": f"msc.home={home}"}):
                volume.remove(force=True)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def interleaved(paths: dict, rounds: int, warmup: int = 5) -> dict[str, list[float]]:
    """Each path once per round, round after round, so machine noise hits them alike; the
    first `warmup` rounds (warm runners, agents starting) are not counted."""
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for i in range(rounds + warmup):
        for name, path in paths.items():
            started = time.perf_counter()
            path()
            if i >= warmup:
                samples[name].append(time.perf_counter() - started)
    return samples


def stop_agents(home: str) -> None:
    """The run agents of this MSC_HOME (XDG_RUNTIME_DIR unset: their pids are in their lock files)."""
    import glob
    import signal

    for lock in glob.glob(f"{home}/agents/*.lock"):
        with open(lock) as f:
            os.kill(int(f.read().split()[0]), signal.SIGTERM)
