"""The core, the engine, the API and the CLI never import Textual (only msc_tui.ui does)."""

import subprocess
import sys


def test_core_engine_api_and_cli_do_not_import_textual():
    code = ("import sys, msc_tui, msc_tui.cli, msc_tui.core.service, msc_tui.engine;"
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'));"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_nothing_outside_ui_imports_textual_or_aiodocker_wrongly():
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "msc_tui"
    for path in package.rglob("*.py"):
        text = path.read_text()
        relative = path.relative_to(package).as_posix()
        if not relative.startswith("ui/"):
            assert "import textual" not in text and "from textual" not in text, relative
        if not relative.startswith("engine/"):
            assert "import aiodocker" not in text and "from aiodocker" not in text, relative
