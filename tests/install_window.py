"""An install-only session's network window, seen with docker-py, and one left open on purpose."""

from __future__ import annotations

import subprocess
import sys
import time


def networks_of(docker_client, sid: str) -> set[str]:
    return set(docker_client.containers.get(f"msc-dev-session-{sid}").attrs["NetworkSettings"]["Networks"])


def leave_a_window_open(docker_client, sid: str) -> None:
    """`msc install` killed (-9) while its window is open: nothing closes it but the next msc."""
    killed = subprocess.Popen([sys.executable, "-m", "msc_tui", "install", sid, "cowsay"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while "bridge" not in networks_of(docker_client, sid):
        assert time.monotonic() < deadline and killed.poll() is None, "the install never attached"
        time.sleep(0.02)
    killed.kill()
    killed.wait()
    assert "bridge" in networks_of(docker_client, sid)  # left open by the kill
