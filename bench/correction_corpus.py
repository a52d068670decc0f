"""Each script of bench/corpus/ (examples from well-known projects' documentation, each
naming its source) in a fresh session with ONE `msc run --new --auto-install`.

Target (correction issue): every script succeeds with that one command. Several need
distributions whose names differ from their imports (yaml, bs4, dateutil, PIL, sklearn,
cv2, jwt, slugify, attr), and pandas_to_markdown's second missing import (tabulate) only
shows once pandas is installed. The scripts make no network calls; installs go to the index.
    python bench/correction_corpus.py [script.py ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import private_home

CORPUS = Path(__file__).resolve().parent / "corpus"


def main() -> None:
    scripts = [CORPUS / name for name in sys.argv[1:]] or sorted(CORPUS.glob("*.py"))
    passed = 0
    with private_home():
        for script in scripts:
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "msc_tui", "run", "--new", "--auto-install", "--json",
                                   str(script)], capture_output=True, text=True, env=os.environ.copy())
            seconds = time.perf_counter() - started
            try:
                result = json.loads(done.stdout)
            except ValueError:
                result = {"success": False, "auto_installed": [], "stderr": done.stderr}
            passed += bool(result["success"])
            status = "ok  " if result["success"] else "FAIL"
            print(f"{status} {script.name:24} {seconds:6.1f} s  installed: {' '.join(result['auto_installed']) or '-'}")
            if not result["success"]:
                print("     " + (result.get("auto_install_stopped") or "") + " | "
                      + result["stderr"].strip().splitlines()[-1] if result["stderr"].strip() else "")
    print(f"{passed}/{len(scripts)} succeeded with one `msc run --auto-install` each (target: all)")


if __name__ == "__main__":
    main()
