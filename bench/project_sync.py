"""A project of 1,000 small files: the first sync, and a rerun with nothing changed next to
a bare one-file script, in the same session, side by side.

Targets (project-folders issue): the nothing-changed rerun at most 1.3x the bare script's
run; the first sync under 1 s. Both through the core (what `msc run FILE` does), so only
the mirroring differs.
    python bench/project_sync.py [rounds]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from common import median_ms, private_home

from msc_tui.core.project import scan_project
from msc_tui.core.service import Msc

CODE = "print(1)\n"


async def measure(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "big"
        for n in range(1000):
            package = root / f"pkg{n // 100}"
            package.mkdir(parents=True, exist_ok=True)
            (package / f"data{n}.txt").write_text(f"row {n}\n" * 20)
        (root / "app.py").write_text(CODE)
        bare_root = Path(folder) / "bare"
        bare_root.mkdir()
        (bare_root / "app.py").write_text(CODE)

        msc = await Msc.open(warm=False)  # the CLI's path: one exec per run
        try:
            record = await msc.sessions.create(app_type="basic_app")
            started = time.perf_counter()
            first = await msc.mirror.sync(record, scan_project(root / "app.py", 200, 20000, cwd=root))
            first_s = time.perf_counter() - started
            bare, project = [], []
            for _ in range(rounds):
                for samples, where in ((bare, bare_root), (project, root)):
                    started = time.perf_counter()
                    scanned = scan_project(where / "app.py", 200, 20000, cwd=where)
                    result = await msc.run(record, CODE, filename="app.py", project=scanned)
                    samples.append(time.perf_counter() - started)
                    assert result["success"] and (where is bare_root or result["project"]["sent_files"] == 0)
        finally:
            await msc.close()
    print(f"first sync of 1,000 files ({first['sent_bytes'] / 1024:.0f} KiB): {first_s:.2f} s (target < 1 s)")
    print(f"rerun, nothing changed: project {median_ms(project):.1f} ms vs bare script {median_ms(bare):.1f} ms "
          f"= {median_ms(project) / median_ms(bare):.2f}x (target <= 1.3x; medians of {rounds})")


def main() -> None:
    with private_home():
        asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 20))


if __name__ == "__main__":
    main()
