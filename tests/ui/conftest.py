"""Fixtures of the TUI tests that drive the real engine (Pilot, tmux)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from msc_tui.ui.app import MscApp


@pytest.fixture
def app(msc_home, docker_client):
    """The TUI in this test's MSC_HOME, with no picker and no animation."""
    app = MscApp(show_picker=False)
    app.animation_level = "none"
    return app


@pytest.fixture
def tmux(msc_home, docker_client):
    """A tmux of the test's own (its own server socket): tmux("send-keys", ...) returns the output."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    server = f"msc-test-{os.getpid()}"

    def send(*args: str) -> str:
        return subprocess.run(["tmux", "-L", server, *args], capture_output=True, text=True, timeout=30).stdout

    yield send
    send("kill-server")
