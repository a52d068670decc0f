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
