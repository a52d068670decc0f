"""Presence in the TUI, against the real engine: the log says when someone else joins or leaves
the session it follows and names who is here; a run stopped by someone else says so."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys

import pytest

from msc_tui.core.service import Msc
from tests.ui.pilot_helpers import log_lines, run_code, until

pytestmark = pytest.mark.docker


async def test_the_log_says_who_joins_and_leaves_the_session(app, tmp_path, base_image):
    bob = f"bob@{socket.gethostname()}"
    env = {**os.environ, "MSC_HOME": str(tmp_path / "bob-home"), "MSC_BASE_IMAGE": base_image,
           "USER": "bob", "LOGNAME": "bob"}
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print('here')\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        output = app.screen.output
        assert output.others_here.people == {} and not output.log_view.border_subtitle  # only this TUI follows
        follower = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "msc_tui", "logs", "--follow", app.screen.current.id, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            await until(pilot, lambda: f"{bob} joined (cli)" in log_lines(pilot), timeout=60)
            assert bob in str(output.log_view.border_subtitle)
        finally:
            follower.terminate()
            await follower.wait()
        await until(pilot, lambda: f"{bob} left" in log_lines(pilot), timeout=60)
        assert not output.log_view.border_subtitle


async def test_a_run_stopped_by_someone_else_says_who_in_its_own_log(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "import time\nprint('long', flush=True)\ntime.sleep(120)\n")
        await until(pilot, lambda: "long" in log_lines(pilot), timeout=60)
        container = app.screen.current.container_name
        other = await Msc.open()  # another client (the pair's F6 or msc)
        try:
            going = [r for r in await other.runs.history(container) if r["state"] == "going"]
            assert await other.runs.stop(container, going[-1]["id"])
        finally:
            await other.close()
        await until(pilot, lambda: any(l.startswith(f"! stopped by {other.runs.by}") for l in log_lines(pilot)))


async def test_the_others_see_the_file_the_tui_opens_when_it_changes(app, docker_client):
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.msc is not None)
        await run_code(pilot, "print('here')\n")
        await until(pilot, lambda: any(l.startswith("exit 0") for l in log_lines(pilot)))
        container = app.screen.current.container_name

        def entries() -> str:  # the entries on disk, read with docker-py
            done = docker_client.containers.get(container).exec_run(
                ["sh", "-c", "cat /var/lib/msc/runs/presence/[0-9]*"], user="root")
            return done.output.decode()

        await until(pilot, lambda: "'editing main.py'" in entries())
        other = await Msc.open()  # a pair following the session: told on the change
        try:
            events = other.runs.follow(container, face="cli")
            first = await anext(events)
            assert [p["what"] for p in first.meta["present"]] == ["editing main.py", "following"]
            await pilot.press("ctrl+n")  # a new file, by keys
            await pilot.press(*"helpers", "enter")
            changed = await asyncio.wait_for(anext(events), timeout=60)
            assert changed.kind == "presence"
            assert [p["what"] for p in changed.meta["present"]] == ["editing helpers.py", "following"]
            assert "'editing helpers.py'" in entries()
            await events.aclose()
            theirs = other.runs.follow(container, face="cli", editing="a.py")  # and the TUI is told of theirs
            assert (await anext(theirs)).kind == "presence"
            await until(pilot, lambda: f"{other.runs.by} joined (cli), editing a.py" in log_lines(pilot), timeout=60)
            await other.runs.records.now_editing(container, "b.py")
            await until(pilot, lambda: f"{other.runs.by} (cli) is editing b.py" in log_lines(pilot), timeout=60)
            await theirs.aclose()
        finally:
            await other.close()
