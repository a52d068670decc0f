"""The README's install (the project, non-editable, into a fresh virtual environment, with the
versions constraints.txt pins) runs the app with its styles; constraints.txt is uv.lock's.

The wheel is built by the project's build backend either way; the installer is the pinned uv that
scripts/test.sh uses (MSC_TEST_UV), which installs the dependencies from its cache in a second
where pip resolves and unpacks them again (~20 s of the suite's CPU). Without it: pip."""

from __future__ import annotations

import os
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
    python = env_dir / "bin" / "python"
    uv = os.environ.get("MSC_TEST_UV")
    venv.create(env_dir, with_pip=not uv)
    # The README's install: the versions constraints.txt (uv.lock's, exported) pins.
    pins = ["-c", str(ROOT / "constraints.txt")]
    install = ([uv, "pip", "install", "-q", "--python", str(python), "--no-config", *pins] if uv
               else [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins])
    installed = subprocess.run([*install, str(ROOT)], capture_output=True, text=True, timeout=540)
    assert installed.returncode == 0, installed.stderr[-2000:]
    wheel_styles = list((env_dir / "lib").glob("python3*/site-packages/msc_tui/styles/msc.tcss"))
    assert len(wheel_styles) == 1
    ran = subprocess.run([str(python), "-c", CHECK], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.strip() == "border: round max-height: 10"
    version = subprocess.run([str(env_dir / "bin" / "msc"), "--version"], capture_output=True, text=True)
    assert version.stdout.strip().startswith("msc ")


def test_constraints_txt_is_the_locks():
    """constraints.txt (what users install with) pins what uv.lock pins (what the tests run with)."""
    uv = os.environ.get("MSC_TEST_UV")
    if not uv:
        pytest.fail("MSC_TEST_UV is not set: run the suite with scripts/test.sh")
    exported = subprocess.run([uv, "export", "-q", "--frozen", "--no-hashes", "--no-emit-project", "--no-annotate",
                               "--project", "."], cwd=ROOT, capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr

    def pins(text: str) -> list[str]:
        return [line for line in text.splitlines() if line and not line.startswith("#")]
    assert pins(exported.stdout) == pins((ROOT / "constraints.txt").read_text()), (
        "constraints.txt is out of date: refresh it with the command in its first lines")
