"""Each script of a corpus in a fresh session with ONE `msc run --new --auto-install`.

bench/corpus/ (examples from well-known projects' documentation, each naming its source):
every script succeeds with that one command. Several need distributions whose names differ
from their imports (yaml, bs4, dateutil, PIL, sklearn, cv2, jwt, slugify, attr), and
pandas_to_markdown's second missing import (tabulate) only shows once pandas is installed.

bench/corpus_long_tail/ (the correction issue's harder cases): distributions outside the
bundled map (MIDIUtil, PyRSS2Gen, aztec_code_generator), a maintained successor (fpdf ->
fpdf2), libraries that say what they miss in words (pandas' parquet engines and "pytables",
dask[array], sqlalchemy[asyncio]), a script that prints "pip install numpy"; and the cases
that must install nothing (standard library only, a misspelling, a generic name). Each
script's first line says what is expected: `# expect: success`, `# expect: nothing
installed` (succeeds, installs nothing) or `# expect: refused` (fails, installs nothing).
The scripts make no network calls; installs go to the index.
    python bench/correction_corpus.py [--set long_tail] [script.py ...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import private_home

HERE = Path(__file__).resolve().parent


def expected(script: Path) -> str:
    first = script.read_text().splitlines()[0]
    return first.removeprefix("# expect:").strip() if first.startswith("# expect:") else "success"


def met(expect: str, result: dict) -> bool:
    if expect == "success":
        return bool(result["success"])
    nothing = not result["auto_installed"]
    return nothing and bool(result["success"]) == (expect == "nothing installed")


def main() -> None:
    args = sys.argv[1:]
    corpus = HERE / "corpus"
    if args[:1] == ["--set"]:
        corpus, args = HERE / f"corpus_{args[1]}", args[2:]
    scripts = [corpus / name for name in args] or sorted(corpus.glob("*.py"))
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
                result = {"success": False, "auto_installed": [], "stderr": done.stderr, "hints": []}
            expect = expected(script)
            passed += met(expect, result)
            status = "ok  " if met(expect, result) else "FAIL"
            print(f"{status} {script.name:26} {seconds:6.1f} s  expected {expect}; "
                  f"installed: {' '.join(result['auto_installed']) or '-'}")
            if not met(expect, result) and result["stderr"].strip():
                print("     " + (result.get("auto_install_stopped") or "") + " | "
                      + result["stderr"].strip().splitlines()[-1])
    print(f"{passed}/{len(scripts)} as expected with one `msc run --new --auto-install` each (target: all)")


if __name__ == "__main__":
    main()
