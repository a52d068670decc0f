"""Fixtures of the integration tests."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path

import pytest


@pytest.fixture
def agents(monkeypatch, msc_home):
    """The run agent on (conftest's msc_home turns it off), its files in a private folder;
    every agent started is stopped afterwards. Yields the folder of its socket, log and lock."""
    folder = Path(tempfile.mkdtemp(prefix="msca"))
    monkeypatch.setenv("MSC_AGENT", "1")
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    yield folder / f"msc-agents-{os.getuid()}"
    for lock in folder.glob("*/*.lock"):
        try:
            os.kill(int(lock.read_text().split()[0]), signal.SIGTERM)
        except (ValueError, IndexError, ProcessLookupError):
            pass
    shutil.rmtree(folder, ignore_errors=True)
