"""A project of 1,000 small files: the first sync, and a rerun with nothing changed next to
a bare one-file script (in a second session, so that the shared /app of each holds one
project), interleaved round by round, on three paths: the core's exec
path (one exec per run), the core's warm path (the TUI's and the API's), and `msc run -s S
app.py` from the project's folder through the run agent (the command line's default).

Targets (project-folders issue): the nothing-changed rerun at most 1.3x the bare script's
run on every path; the first sync under 1 s. Only the mirroring differs between the two.
    python bench/project_sync.py [rounds]
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import interleaved, median_ms, private_home, stop_agents

from msc_tui.core.project import scan_project
from msc_tui.core.service import Msc

CODE = "print(1)\n"


def make_folders(folder: Path) -> tuple[Path, Path]:
    root = folder / "big"
    for n in range(1000):
        package = root / f"pkg{n // 100}"
        package.mkdir(parents=True, exist_ok=True)
        (package / f"data{n}.txt").write_text(f"row {n}\n" * 20)
    (root / "app.py").write_text(CODE)
    bare = folder / "bare"
    bare.mkdir()
    (bare / "app.py").write_text(CODE)
    return root, bare


def core_run(loop, msc: Msc, record, where: Path, project_root: Path):
    def run() -> None:
        scanned = scan_project(where / "app.py", 200, 20000, cwd=where)
        result = loop.run_until_complete(msc.run(record, CODE, filename="app.py", project=scanned))
        assert result.success and (where != project_root or result.project["sent_files"] == 0), result
    return run


def cli_run(session: str, where: Path):
    def run() -> None:
        done = subprocess.run([sys.executable, "-m", "msc_tui", "run", "-s", session, "app.py"], cwd=where,
                              capture_output=True, text=True)
        assert done.returncode == 0 and done.stdout == "1\n" and done.stderr == "", done.stderr
    return run


def agent_answers(session: str, where: Path) -> None:
    """The first run starts the agent (and goes the usual way); wait until it serves."""
    for _ in range(100):
        done = subprocess.run([sys.executable, "-m", "msc_tui", "run", "--json", "-s", session, "app.py"],
                              cwd=where, capture_output=True, text=True, check=True)
        if '"run_path": "warm"' in done.stdout:
            return
        time.sleep(0.2)
    raise SystemExit("the run agent did not start")


def measure(folder: Path, rounds: int) -> tuple[dict, float, dict[str, list[float]]]:
    root, bare = make_folders(folder)
    loop = asyncio.new_event_loop()
    exec_path = loop.run_until_complete(Msc.open(warm=False))
    warm_path = loop.run_until_complete(Msc.open(warm=True))
    try:
        record = loop.run_until_complete(exec_path.sessions.create(app_type="basic_app"))
        other = loop.run_until_complete(exec_path.sessions.create(app_type="basic_app"))
        started = time.perf_counter()
        first = loop.run_until_complete(exec_path.mirror.sync(record, scan_project(root / "app.py", 200, 20000,
                                                                                   cwd=root)))
        first_s = time.perf_counter() - started
        agent_answers(other.id, bare)
        paths = {
            "exec-bare": core_run(loop, exec_path, other, bare, root),
            "exec-project": core_run(loop, exec_path, record, root, root),
            "warm-bare": core_run(loop, warm_path, other, bare, root),
            "warm-project": core_run(loop, warm_path, record, root, root),
            "cli-bare": cli_run(other.id, bare),
            "cli-project": cli_run(record.id, root),
        }
        return first, first_s, interleaved(paths, rounds, warmup=3)
    finally:
        loop.run_until_complete(warm_path.close())
        loop.run_until_complete(exec_path.close())
        loop.close()


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with private_home(), tempfile.TemporaryDirectory(prefix="mscp") as folder:
        os.environ["TMPDIR"] = folder  # the agent's socket: private to this benchmark
        try:
            first, first_s, samples = measure(Path(folder), rounds)
        finally:
            stop_agents(folder)
    m = {name: median_ms(s) for name, s in samples.items()}
    print(f"first sync of 1,000 files ({first['sent_bytes'] / 1024:.0f} KiB): {first_s:.2f} s (target < 1 s)")
    for path, label in (("exec", "core, exec path"), ("warm", "core, warm path"),
                        ("cli", "msc run -s S app.py, run agent")):
        project, bare = m[f"{path}-project"], m[f"{path}-bare"]
        print(f"rerun, nothing changed ({label}): project {project:.1f} ms vs bare script {bare:.1f} ms "
              f"= {project / bare:.2f}x (target <= 1.3x; medians of {rounds})")


if __name__ == "__main__":
    main()
