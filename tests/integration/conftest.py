"""Fixtures for tests that drive msc itself against the real engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.fixture
def msc_home(tmp_path, monkeypatch, base_image, docker_client):
    """A private MSC_HOME; every container made under it is removed afterwards."""
    home = tmp_path / "msc-home"
    monkeypatch.setenv("MSC_HOME", str(home))
    monkeypatch.setenv("MSC_BASE_IMAGE", base_image)
    yield home
    for container in docker_client.containers.list(all=True, filters={"label": f"msc.home={home}"}):
        container.remove(force=True)


@pytest.fixture
def msc(msc_home):
    """Run the real `msc` CLI in a subprocess: msc("ls", "--json") -> CompletedProcess."""

    def run(*args, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "msc_tui", *args], input=input, text=True,
                              capture_output=True, timeout=timeout, env=os.environ.copy())

    return run


@pytest.fixture
def new_session(msc):
    """A fresh session made by `msc run --new`; returns its id."""

    def make(*extra: str) -> str:
        done = msc("run", "--new", "--json", *extra, "-", input="print('ready')")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["session"]

    return make
