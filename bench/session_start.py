"""Session start with an existing image: `msc run --new` from command to first output,
beside `docker run --rm IMAGE python3 -c ...` (a throwaway container) in the same run.

Target (issue 3): under 1.5 s.
    python bench/session_start.py [rounds]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from common import median_ms, private_home


def first_output_after(argv: list[str], stdin: str | None = None) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, env=os.environ.copy())
    if stdin is not None:
        process.stdin.write(stdin)
    process.stdin.close()
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait()
    assert line.strip() == "ready", line
    return elapsed


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    msc = [sys.executable, "-m", "msc_tui"]
    with private_home():
        built = json.loads(subprocess.run(msc + ["build", "--app-type", "basic_app", "--json"],
                                          capture_output=True, text=True, check=True).stdout)
        image = built["image"]
        samples = {"msc": [], "docker": []}
        for _ in range(rounds):
            samples["msc"].append(first_output_after(msc + ["run", "--new", "-"], "print('ready')"))
            samples["docker"].append(first_output_after(
                ["docker", "run", "--rm", "-i", image, "python3", "-c", "print('ready')"]))
    m, d = median_ms(samples["msc"]), median_ms(samples["docker"])
    print(f"docker run --rm (no session kept):       {d:6.0f} ms (median of {rounds})")
    print(f"msc run --new (persistent session made): {m:6.0f} ms  ratio {m / d:.2f}x  target < 1500 ms")
