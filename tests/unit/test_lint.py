"""The static checks run with the suite, so CI fails on what they find (CONTRIBUTING.md, "Static checks";
their rules and contracts are in pyproject.toml)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent  # the tools installed beside this interpreter


def check(argv: list[str]) -> None:
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_finds_nothing():
    check([sys.executable, "-m", "ruff", "check", "msc_tui", "tests", "bench", "scripts"])


def test_mypy_finds_nothing():
    check([sys.executable, "-m", "mypy"])  # over msc_tui (pyproject.toml, [tool.mypy])


def test_the_import_contracts_hold():
    """Layers (engine <- core <- api, ui <- cli), no cycles, Textual and aiodocker where they belong."""
    check([str(VENV_BIN / "lint-imports"), "--no-cache", "--no-logo"])
