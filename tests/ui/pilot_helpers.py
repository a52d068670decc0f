"""Helpers of the Pilot tests against the real engine (also used by the SSH and Podman tests)."""

from __future__ import annotations

import time

from textual.widgets import TextArea


async def until(pilot, condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.05)


async def run_code(pilot, code: str) -> None:
    screen = pilot.app.screen
    screen.query_one("#editor", TextArea).load_text(code)
    await pilot.press("f5")


def log_lines(pilot) -> list[str]:
    return pilot.app.screen.log_view.plain_lines()
