"""Make the README's screenshots from the real app against the real engine (headless).

    python scripts/screenshots.py        # writes screenshots/*.svg

Uses a throwaway MSC_HOME; the sessions it makes are removed at the end. MSC_BASE_IMAGE and
MSC_CA_BUNDLE are honoured as usual.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SIZE = (110, 32)

MID_RUN = """import time

for step in range(1, 40):
    print(f"epoch {step:02d}  loss={1 / step:.4f}", flush=True)
    if step % 7 == 0:
        print(f"warning: learning rate decayed at epoch {step}", file=__import__("sys").stderr)
    time.sleep(0.05)
"""
MISSING = "import yaml\n\nprint(yaml.safe_dump({'answer': 42}))\n"


async def wait(pilot, condition, timeout: float = 120) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise TimeoutError("the app did not get there in time")


async def shoot() -> None:
    from textual.widgets import TextArea

    from msc_tui.core.service import Msc
    from msc_tui.ui.app import MscApp

    msc = await Msc.open()
    try:
        for task in ("train a classifier on this CSV", None):  # a data_app and a basic_app session
            await msc.sessions.create(task=task)
    finally:
        await msc.close()

    app = MscApp(show_picker=True)
    app.animation_level = "none"
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot, lambda: type(app.screen).__name__ == "SessionPicker")
        await pilot.pause(0.5)
        app.save_screenshot(str(OUT / "session-picker.svg"))
        await pilot.press("enter")
        main = app.screen_stack[1]
        await wait(pilot, lambda: main.current is not None)
        main.query_one("#editor", TextArea).load_text(MID_RUN)
        await pilot.press("f5")
        await wait(pilot, lambda: main.log_view.total_lines >= 16)
        app.save_screenshot(str(OUT / "main-mid-run.svg"))
        await wait(pilot, lambda: any(line.startswith("exit") for line in main.log_view.plain_lines()))
        main.query_one("#editor", TextArea).load_text(MISSING)
        await pilot.press("f5")
        await wait(pilot, lambda: main.packages.proposed == ["pyyaml"])
        await pilot.pause(0.3)
        app.save_screenshot(str(OUT / "install-panel.svg"))
        await pilot.press("f3")
        await wait(pilot, lambda: type(app.screen).__name__ == "CleanupScreen" and app.screen.inventory.items)
        await pilot.press("space")
        await pilot.pause(0.5)
        app.save_screenshot(str(OUT / "cleanup.svg"))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="msc-shots-") as home:
        os.environ["MSC_HOME"] = home
        try:
            asyncio.run(shoot())
        finally:
            import docker

            client = docker.from_env()
            for container in client.containers.list(all=True, filters={"label": f"msc.home={home}"}):
                container.remove(force=True)
            for volume in client.volumes.list(filters={"label": f"msc.home={home}"}):
                volume.remove(force=True)
    print("\n".join(str(p.relative_to(OUT.parent)) for p in sorted(OUT.glob("*.svg"))), file=sys.stdout)


if __name__ == "__main__":
    main()
