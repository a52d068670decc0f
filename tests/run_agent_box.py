"""Helpers for tests that go through the run agent: where its files are, and waiting for it."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path


def agent_pids(folder: Path) -> list[int]:
    """The agents serving from this folder (each names itself in its lock file)."""
    pids = []
    for lock in folder.glob("*.lock"):
        text = lock.read_text().split()
        if text and Path(f"/proc/{text[0]}").exists():
            pids.append(int(text[0]))
    return pids


def served(msc, sid: str) -> None:
    """Wait until an agent answers for this home (the first run starts it and goes the usual way)."""
    deadline = time.monotonic() + 60
    while True:
        done = msc("run", "-s", sid, "--json", "-", input="print('hi')")
        assert done.returncode == 0, done.stderr
        if json.loads(done.stdout)["run_path"] == "warm":
            return
        assert time.monotonic() < deadline, "no agent answered within 60 s"
        time.sleep(0.5)


def stop_agents(*folders: Path) -> None:
    """Every agent whose lock file, ours, is under these folders (a lock names its agent's pid;
    a pid is signalled only when it is a run agent)."""
    for folder in folders:
        for lock in folder.rglob("*.lock"):
            try:
                if lock.lstat().st_uid != os.getuid():
                    continue
                pid = int(lock.read_text().split()[0])
                if b"msc_tui.cli.agent" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGTERM)
            except (OSError, ValueError, IndexError):
                pass
