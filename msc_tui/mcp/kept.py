"""The whole output of this server's recent runs, for run_output.

A session keeps about the last MiB of each run's output (core/runner.py); a run's result
carries each stream whole (up to core/runs.py's CAPTURE_LIMIT). The server keeps those of its
last runs, so a capped result's every byte stays readable; older runs are read from the session.
"""

from __future__ import annotations

from collections import OrderedDict

KEEP_BYTES = 64 * 1024 * 1024  # the most output kept, over all kept runs (the oldest go first)
KEEP_RUNS = 100  # and the most runs (as many as a session keeps records of)


class KeptOutputs:
    def __init__(self, limit: int = KEEP_BYTES, runs: int = KEEP_RUNS):
        self.limit, self.runs = limit, runs
        self.size = 0
        self._runs: OrderedDict[tuple[str, int], tuple[str, str]] = OrderedDict()

    def keep(self, container: str, run_id: int | None, stdout: str, stderr: str) -> None:
        if run_id is None:
            return
        self._drop((container, run_id))
        self._runs[(container, run_id)] = (stdout, stderr)
        self.size += len(stdout) + len(stderr)
        while len(self._runs) > 1 and (self.size > self.limit or len(self._runs) > self.runs):
            self._drop(next(iter(self._runs)))

    def get(self, container: str, run_id: int) -> dict[str, str] | None:
        kept = self._runs.get((container, run_id))
        return {"stdout": kept[0], "stderr": kept[1]} if kept else None

    def _drop(self, key: tuple[str, int]) -> None:
        dropped = self._runs.pop(key, None)
        if dropped:
            self.size -= len(dropped[0]) + len(dropped[1])
