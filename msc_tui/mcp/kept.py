"""The whole output of this server's recent runs, for run_output.

A session keeps the last 1 MiB of each run's output (core/runner.py); a run's result carries
each stream whole (up to core/runs.py's CAPTURE_LIMIT). The server keeps those of its last
runs, so a capped result's every byte stays readable; older runs are read from the session.
"""

from __future__ import annotations

from collections import OrderedDict

KEEP_BYTES = 64 * 1024 * 1024  # the most output kept, over all kept runs (the oldest go first)


class KeptOutputs:
    def __init__(self, limit: int = KEEP_BYTES):
        self.limit = limit
        self._runs: OrderedDict[tuple[str, int], dict[str, str]] = OrderedDict()

    def keep(self, container: str, run_id: int | None, stdout: str, stderr: str) -> None:
        if run_id is None:
            return
        self._runs[(container, run_id)] = {"stdout": stdout, "stderr": stderr}
        self._runs.move_to_end((container, run_id))
        while self._size() > self.limit and len(self._runs) > 1:
            self._runs.popitem(last=False)

    def get(self, container: str, run_id: int) -> dict[str, str] | None:
        return self._runs.get((container, run_id))

    def _size(self) -> int:
        return sum(len(s) for streams in self._runs.values() for s in streams.values())
