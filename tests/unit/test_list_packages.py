"""The script msc copies into images to list a venv's packages, run here on a fake site-packages."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "msc_tui" / "core" / "list_packages.py"


def test_lists_named_distributions_and_skips_half_written_ones(tmp_path):
    good = tmp_path / "six-1.17.0.dist-info"
    good.mkdir()
    (good / "METADATA").write_text("Metadata-Version: 2.1\nName: six\nVersion: 1.17.0\n")
    broken = tmp_path / "numpy-2.3.1.dist-info"  # an install killed before METADATA was written
    broken.mkdir()
    done = subprocess.run([sys.executable, "-S", str(SCRIPT), "--baseline"], capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert ["six", "1.17.0"] in json.loads(done.stdout)
    assert all(name for name, _ in json.loads(done.stdout))
