"""The runner as msc ships it: one zip, placed by the script msc runs as root in a session, that
runs on the standard library alone and is named by its sources' hash."""

from __future__ import annotations

import io
import marshal
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from msc_tui.core import runner_ship
from msc_tui.runner import protocol


def place(folder: Path) -> Path:
    """Placed as in a session (`python3 -S -c PLACE ...`), here with this interpreter and no environment."""
    argv = runner_ship.place_argv(str(folder))
    done = subprocess.run([sys.executable, *argv[1:]], env={}, cwd=folder.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return Path(runner_ship.file_path(str(folder)))


def alone(root: Path, *args: str, boot: str | None = None, stdin: bytes = b"") -> subprocess.CompletedProcess:
    """The runner under `python3 -S` in an empty environment (its root aside), started in `root`."""
    env = {"MSC_RUNNER_ROOT": str(root), "MSC_RUNNER_USER": ""}
    return subprocess.run([sys.executable, "-S", "-c", boot or runner_ship.boot(str(root / "opt")), *args],
                          env=env, cwd=root, input=stdin, capture_output=True, timeout=60)


def test_the_shipped_file_runs_alone_on_the_standard_library(tmp_path):
    (tmp_path / "app").mkdir()
    placed = place(tmp_path / "opt")
    assert stat.S_IMODE(placed.stat().st_mode) == 0o644 and list(placed.parent.iterdir()) == [placed]
    with zipfile.ZipFile(placed) as archive:
        names = set(archive.namelist())
    modules = {n for n in names if n.endswith(".py")}
    assert {n.split("/")[-1] for n in modules} == {p.name for p in runner_ship.PACKAGE_DIR.glob("*.py")}
    assert names == modules | {n + "c" for n in modules}  # each with its bytecode, compiled where it runs

    # Everything the runner imports is its own (from the zip) or the standard library's.
    name = runner_ship.shipped().name
    every = ", ".join(f"{name}.{p.stem}" for p in runner_ship.PACKAGE_DIR.glob("*.py") if p.stem != "__init__")
    listing = (f"import sys\nsys.path[0] = {str(placed)!r}\nimport {every}\n"
               "print(repr(sorted((m, getattr(v, '__file__', None)) for m, v in sys.modules.items())))\n")
    done = alone(tmp_path, boot=listing)
    assert done.returncode == 0, done.stderr
    stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
    loaded = protocol.read_literal(done.stdout)
    foreign = [(m, f) for m, f in loaded if f and not f.startswith((str(placed) + "/", *stdlib))]
    assert foreign == [] and any(m == f"{name}.recorder" for m, _ in loaded)
    assert all(f.endswith(".pyc") for m, f in loaded if m.startswith(name))  # the bytecode placed, not compiled again
    assert "site-packages" not in done.stdout.decode() and not any(m.startswith("msc_tui") for m, _ in loaded)

    # A run through it, frames both ways; its traceback shows the program's lines, not the runner's.
    config = {"code": "import sys\nprint(sys.stdin.readline().strip()[::-1])\ndef f():\n    1 / 0\nf()\n",
              "file": "main.py", "by": "tester@here", "face": "test", "client": "c1", "timeout": 30}
    runner = subprocess.Popen([sys.executable, "-S", "-c", runner_ship.boot(str(tmp_path / "opt")), "run", "t", "t"],
                              env={"MSC_RUNNER_ROOT": str(tmp_path), "MSC_RUNNER_USER": ""}, cwd=tmp_path,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    runner.stdin.write(protocol.frame(protocol.CONFIG, marshal.dumps(config, 4)) +
                       protocol.frame(protocol.INPUT, b"olleh\n") + protocol.frame(protocol.EOF))
    runner.stdin.flush()
    frames, reader = [], protocol.FrameReader()
    while not any(kind == protocol.EXITED for kind, _ in frames):
        data = os.read(runner.stdout.fileno(), 65536)
        assert data, runner.stderr.read()
        frames += reader.feed(data)
    runner.stdin.close()
    assert runner.wait(timeout=30) == 0
    runner.stdout.close()
    runner.stderr.close()
    out = b"".join(p for k, p in frames if k == protocol.STDOUT)
    err = b"".join(p for k, p in frames if k == protocol.STDERR).decode()
    exited = protocol.read_literal(next(p for k, p in frames if k == protocol.EXITED))
    assert out == b"hello\n" and exited["exit_code"] == 1
    assert f'File "{tmp_path}/app/main.py", line 5, in <module>' in err and "ZeroDivisionError" in err
    assert "msc_runner" not in err and "Traceback" in err


def test_a_session_without_this_version_says_so_at_once(tmp_path):
    (tmp_path / "opt").mkdir()
    (tmp_path / "opt" / "msc_runner_000000000000.zip").write_bytes(b"an older version")
    assert alone(tmp_path, "history").returncode == protocol.MISSING_EXIT
    place(tmp_path / "opt")
    done = alone(tmp_path, "history")
    assert (done.returncode, done.stdout) == (0, b"[]")


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """The runner's sources in a folder of their own, for the shipping code to read."""
    copy = tmp_path / "runner"
    shutil.copytree(runner_ship.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(runner_ship, "PACKAGE_DIR", copy)
    runner_ship.shipped.cache_clear()
    yield copy
    runner_ship.shipped.cache_clear()


def test_the_name_is_the_sources_hash(package_copy):
    first = runner_ship.shipped()
    runner_ship.shipped.cache_clear()
    assert runner_ship.shipped() == first  # the same sources, wherever they are: the same name and bytes
    with (package_copy / "tags.py").open("a") as f:
        f.write("# one more line\n")
    runner_ship.shipped.cache_clear()
    changed = runner_ship.shipped()
    assert changed.name != first.name and changed.name.startswith("msc_runner_")
    assert runner_ship.file_path("/opt/msc") == f"/opt/msc/{changed.name}.zip"
    assert changed.name in runner_ship.boot("/opt/msc")
    with zipfile.ZipFile(io.BytesIO(changed.sources)) as archive:
        assert archive.read(f"{changed.name}/tags.py").endswith(b"# one more line\n")
