"""A non-editable `pip install .` into a fresh virtual environment runs the app with its styles."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import asyncio, pathlib, msc_tui
from msc_tui.ui.app import MscApp, styles_path
assert "site-packages" in msc_tui.__file__, msc_tui.__file__
assert styles_path().is_relative_to(pathlib.Path(msc_tui.__file__).parent), styles_path()

async def main():
    async def never():
        await asyncio.Event().wait()
    app = MscApp(opener=never, show_picker=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        pane = app.screen.query_one("#table-pane")
        # the border comes only from styles/msc.tcss
        print("border:", pane.styles.border.top[0], "max-height:", pane.styles.max_height)
asyncio.run(main())
"""


@pytest.mark.timeout(600)
def test_wheel_install_runs_the_app_with_its_styles(tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)],
                               capture_output=True, text=True, timeout=540)
    assert installed.returncode == 0, installed.stderr[-2000:]
    wheel_styles = list((env_dir / "lib").glob("python3*/site-packages/msc_tui/styles/msc.tcss"))
    assert len(wheel_styles) == 1
    ran = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip() == "border: round max-height: 10"
    version = subprocess.run([str(env_dir / "bin" / "msc"), "--version"], capture_output=True, text=True)
    assert version.stdout.strip().startswith("msc ")
