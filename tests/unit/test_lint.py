"""The static checks run with the suite, so CI fails on what they find (CONTRIBUTING.md, "Static checks";
their rules and contracts are in pyproject.toml)."""

import os
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
    """Over msc_tui (pyproject.toml, [tool.mypy]). Its cache is kept beside the suite's other
    caches, not in the clone: a fresh clone checks in 2 s instead of 8-18 (mypy compares each
    cached module's source hash, so a cache from another clone or commit is never trusted blindly)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "msc-test" / "mypy"
    check([sys.executable, "-m", "mypy", "--cache-dir", str(cache)])


def test_the_import_contracts_hold():
    """Layers (engine <- core <- api, ui <- cli), no cycles, Textual and aiodocker where they belong."""
    check([str(VENV_BIN / "lint-imports"), "--no-cache", "--no-logo"])


MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 250


def test_no_module_or_class_outgrows_its_room():
    """Small modules with one job: a module over 400 lines or a class over 250 is split (CONTRIBUTING.md)."""
    import ast

    too_big = []
    for path in sorted((ROOT / "msc_tui").rglob("*.py")):
        source = path.read_text()
        name = path.relative_to(ROOT)
        if (lines := source.count("\n")) > MAX_MODULE_LINES:
            too_big.append(f"{name}: {lines} lines")
        too_big += [f"{name}: class {node.name}, {node.end_lineno - node.lineno + 1} lines"
                    for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ClassDef)
                    and node.end_lineno is not None and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES]
    assert too_big == []
