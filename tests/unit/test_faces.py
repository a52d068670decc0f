"""The faces reach the engine and the session files kept under MSC_HOME only through the core's Msc."""

import re
from pathlib import Path

import msc_tui

PACKAGE = Path(msc_tui.__file__).parent
REACHING_IN = re.compile(r"\.engine\b|\.sessions\.files\b")  # msc.engine.*, msc.sessions.files.*
# ui/screens/main.py is being split into panes; it moves onto the facade with that work.
def test_the_cli_the_api_and_the_ui_go_through_msc():
    faces = [*(PACKAGE / "cli").rglob("*.py"), PACKAGE / "api.py", *(PACKAGE / "ui").rglob("*.py")]
    found = [f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
             for path in faces
             for number, line in enumerate(path.read_text().splitlines(), 1) if REACHING_IN.search(line)]
    assert found == []


def test_the_shell_hand_off_runs_its_command_with_its_environment():
    import sys

    from msc_tui.core.shell import ShellCommand

    code = "import os, sys; sys.exit(int(os.environ['MSC_TEST_CODE']))"
    assert ShellCommand([sys.executable, "-c", code], {"MSC_TEST_CODE": "7"}).call() == 7
