"""The session runner driven as a local subprocess: every mode, frames both ways, no Docker.

Its folders hang off MSC_RUNNER_ROOT (a temp folder here, / in a session). Runs go as the
current user (MSC_RUNNER_USER=""), except the recorder's test, where root starts the runner and
programs run as `nobody`, as they run as `appuser` in a session."""

from __future__ import annotations

import ast
import marshal
import os
import pwd
import select
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from msc_tui.core import runner_ship
from msc_tui.runner import protocol as R
from msc_tui.runner.history import KEEP_RUNS
from msc_tui.runner.tags import tagged_pids


def place(folder: Path) -> None:
    """The runner as msc ships it into a session: one zip, placed by the same script."""
    argv = runner_ship.place_argv(str(folder))
    subprocess.run([sys.executable, *argv[1:]], check=True)


@pytest.fixture
def root():
    """A session's folders in a temp folder anyone can enter (programs may run as nobody)."""
    folder = Path(tempfile.mkdtemp(prefix="msc-runner-"))
    folder.chmod(0o755)
    (folder / "app").mkdir()
    (folder / "opt").mkdir()
    place(folder / "opt")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


class Runner:
    """One runner process: send frames in, read frames out."""

    def __init__(self, root: Path, *args: str, user: str = "", one_cpu: bool = False):
        self.tag = uuid.uuid4().hex[:16]
        boot = runner_ship.boot(str(root / "opt"))
        env = {**os.environ, "MSC_RUNNER_ROOT": str(root), "MSC_RUNNER_USER": user, R.TAG_VARIABLE: self.tag}
        self.process = subprocess.Popen([sys.executable, "-c", boot, *args], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=root,
                                        preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if one_cpu else None)
        self.reader = R.FrameReader()
        self.frames: list[tuple[bytes, bytes]] = []

    def send(self, kind: bytes, payload: bytes = b"") -> None:
        self.process.stdin.write(R.frame(kind, payload))
        self.process.stdin.flush()

    def config(self, code: str, **extra) -> None:
        config = {"code": code, "file": "main.py", "by": "tester@here", "face": "test", "client": "c1",
                  "args": [], "timeout": None, "cwd": "", **extra}
        self.send(R.CONFIG, marshal.dumps(config))

    def until(self, kind: bytes, timeout: float = 30) -> dict | bytes:
        """Read frames until one of `kind` comes (its payload: a dict for structured frames)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, (k, payload) in enumerate(self.frames):
                if k == kind:
                    del self.frames[:index + 1]
                    return R.read_literal(payload) if kind in (R.STARTED, R.EXITED, R.HEAD, R.END) else payload
            left = deadline - time.monotonic()
            assert left > 0, f"no {kind!r} frame; got {self.frames!r}"
            if select.select([self.process.stdout], [], [], left)[0]:
                data = os.read(self.process.stdout.fileno(), 65536)
                assert data, f"the runner ended before a {kind!r} frame: {self.process.stderr.read()!r}"
                self.frames += self.reader.feed(data)

    def output(self, kind: bytes = R.STDOUT) -> bytes:
        return b"".join(p for k, p in self.frames if k == kind)

    def run(self, code: str, **extra) -> tuple[dict, bytes, bytes]:
        self.config(code, **extra)
        started = self.until(R.STARTED)
        exited = self._exited_collecting()
        return {**exited, "id": started["id"]}, self._out[R.STDOUT], self._out[R.STDERR]

    def _exited_collecting(self) -> dict:
        self._out = {R.STDOUT: b"", R.STDERR: b""}
        deadline = time.monotonic() + 30
        while True:
            for index, (kind, payload) in enumerate(self.frames):
                if kind in self._out:
                    self._out[kind] += payload
                if kind == R.EXITED:
                    del self.frames[:index + 1]
                    return R.read_literal(payload)
            self.frames.clear()
            assert time.monotonic() < deadline, "no exit frame"
            if select.select([self.process.stdout], [], [], 1)[0]:
                data = os.read(self.process.stdout.fileno(), 65536)
                assert data, self.process.stderr.read()
                self.frames += self.reader.feed(data)

    def close(self) -> int:
        self.process.stdin.close()
        code = self.process.wait(timeout=30)
        self.process.stdout.close()
        self.process.stderr.close()
        return code


def command(root: Path, *args: str, user: str = "") -> bytes:
    runner = Runner(root, *args, user=user)
    runner.process.stdin.close()
    out = runner.process.stdout.read()
    assert runner.process.wait(timeout=30) == 0, runner.process.stderr.read()
    runner.process.stderr.close()
    runner.process.stdout.close()
    return out


def frames_of(data: bytes) -> list[tuple[bytes, bytes]]:
    return R.FrameReader().feed(data)


def tagged(tag: str) -> list[int]:
    return tagged_pids(tag, {os.getpid()})


def test_a_run_relays_output_input_and_the_exit_code_and_is_recorded(root):
    runner = Runner(root, "run", "tester@here", "test")
    runner.config("import sys\nprint('out', sys.stdin.read().upper())\nprint('err', file=sys.stderr)\nsys.exit(3)\n")
    started = runner.until(R.STARTED)
    runner.send(R.INPUT, b"some ")
    runner.send(R.INPUT, b"input")
    runner.send(R.EOF)
    exited = runner._exited_collecting()
    assert runner._out == {R.STDOUT: b"out SOME INPUT\n", R.STDERR: b"err\n"}
    assert exited["exit_code"] == 3 and not exited["timed_out"] and exited["changed_files"] == []
    assert runner.close() == 0
    run_dir = root / "var/lib/msc/runs" if os.getuid() == 0 else root / "home/appuser/.msc/runs"
    run_dir = run_dir / f"{started['id']:06d}"
    meta = ast.literal_eval((run_dir / "meta").read_text())
    assert meta["exit_code"] == 3 and meta["by"] == "tester@here" and meta["file"] == "main.py"
    assert (run_dir / "code.py").read_text().endswith("sys.exit(3)\n")
    recorded = frames_of((run_dir / "out.0").read_bytes())
    assert b"".join(p for k, p in recorded if k == R.STDOUT) == b"out SOME INPUT\n"
    assert b"".join(p for k, p in recorded if k == R.STDERR) == b"err\n"
    assert (root / "app" / "main.py").exists()  # the code as a file, for shells and imports


def test_stray_frames_before_a_config_are_ignored_and_a_second_run_is_its_own(root):
    runner = Runner(root, "serve", "tester@here", "test")
    runner.send(R.INPUT, b"stale input of an earlier run")
    runner.send(R.KILL)
    runner.send(b"?", b"a kind nobody knows")
    first, out1, _ = runner.run("print('first')\nraise SystemExit(5)")
    second, out2, _ = runner.run("print('second')")
    assert (first["exit_code"], out1) == (5, b"first\n")
    assert (second["exit_code"], out2) == (0, b"second\n")
    assert second["id"] == first["id"] + 1 and second["warm"] == 0
    assert runner.close() == 0


def test_a_kill_that_comes_with_the_config_ends_a_warm_servers_run(root):
    """Ctrl-C twice at once: the kill is read with the config, just after the fork, before the
    child has a group or a tag of its own (a warm server's run); it still ends at once. (On one
    CPU the parent goes on after the fork, as on a busy machine, and reads the kill first.)"""
    serve = Runner(root, "serve", "tester@here", "test", one_cpu=True)
    config = {"code": "import time\ntime.sleep(60)\n", "file": "main.py", "by": "tester@here", "face": "test",
              "client": "c1", "args": [], "timeout": None, "cwd": ""}
    serve.process.stdin.write(R.frame(R.CONFIG, marshal.dumps(config)) + R.frame(R.KILL))
    serve.process.stdin.flush()
    serve.until(R.STARTED)
    exited = serve.until(R.EXITED, timeout=20)
    assert exited["cancelled"] and exited["exit_code"] == 128 + 9
    assert serve.close() == 0


def test_a_timeout_kills_the_whole_tree(root):
    runner = Runner(root, "run", "tester@here", "test")
    code = ("import subprocess, time\nsubprocess.Popen(['sleep', '300'])\n"
            "subprocess.Popen(['sh', '-c', 'sleep 301 & sleep 302'])\ntime.sleep(300)\n")
    runner.config(code, timeout=1.0)
    runner.until(R.STARTED)
    deadline = time.monotonic() + 20
    while len(tagged(runner.tag)) < 4:  # the runner, the program and its children carry the tag
        assert time.monotonic() < deadline, "the program's children never started"
        time.sleep(0.05)
    exited = runner._exited_collecting()
    assert exited["exit_code"] == 124 and exited["timed_out"]
    assert runner.close() == 0
    assert tagged(runner.tag) == []


def test_ctrl_c_reaches_the_program_as_keyboard_interrupt(root):
    runner = Runner(root, "run", "tester@here", "test")
    runner.config("import time\nprint('waiting', flush=True)\ntime.sleep(60)\n")
    runner.until(R.STARTED)
    printed = b""
    while not printed.endswith(b"waiting\n"):  # (a print may come in more than one frame)
        printed += runner.until(R.STDOUT)
    runner.send(R.SIGNAL, b"2")
    exited = runner._exited_collecting()
    assert exited["exit_code"] == 130 and b"KeyboardInterrupt" in runner._out[R.STDERR]
    assert runner.close() == 0


def test_history_logs_follow_and_stop_read_what_runs_wrote(root):
    serve = Runner(root, "serve", "tester@here", "test")
    first, _, _ = serve.run("print('one')")
    history = ast.literal_eval(command(root, "history").decode())
    assert [(r["id"], r["exit_code"], r["state"]) for r in history] == [(first["id"], 0, "finished")]
    logs = frames_of(command(root, "logs", str(first["id"])))
    assert logs[0][0] == R.HEAD and logs[-1][0] == R.END and {k for k, _ in logs[1:-1]} == {R.OUT_OF}
    prefix = R.run_id_prefix(first["id"])
    assert all(p.startswith(prefix) for _, p in logs[1:-1])
    assert b"".join(p[len(prefix):] for _, p in logs[1:-1]) == b"one\n"
    assert R.read_literal(logs[0][1])["code"] == "print('one')"
    # a follower sees a run going, another client stops it, the run's own record says who
    follower = Runner(root, "follow")
    serve.config("import time\nprint('long', flush=True)\ntime.sleep(60)\n")
    going = serve.until(R.STARTED)
    head = follower.until(R.HEAD)
    assert head["id"] == going["id"] and head["by"] == "tester@here"
    assert command(root, "stop", str(going["id"]), "pair@there") == b""
    exited = serve._exited_collecting()
    assert exited["cancelled"] and exited["stopped_by"] == "pair@there"
    end = follower.until(R.END)
    assert end["id"] == going["id"] and end["state"] == "finished"
    assert follower.close() == 0 and serve.close() == 0
    assert command(root, "logs", "999") == R.literal_frame(R.END, {"id": 999, "state": "unknown"})


def test_history_keeps_the_last_runs_only(root, monkeypatch):
    serve = Runner(root, "serve", "tester@here", "test")
    for _ in range(KEEP_RUNS + 3):
        serve.run("pass")
    assert serve.close() == 0
    ids = [r["id"] for r in ast.literal_eval(command(root, "history").decode())]
    assert ids == list(range(4, KEEP_RUNS + 4))


@pytest.mark.skipif(os.getuid() != 0, reason="root starts the recorder (as msc does in a session)")
def test_the_recorder_keeps_records_the_program_cannot_touch(root):
    nobody = pwd.getpwnam("nobody")
    for folder in (root / "app", root / "home/appuser/.msc"):
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    # (no imports: the interpreter's own files may be closed to nobody on this host)
    forge = ("import os, sys\nhits = 0\n"
             "for path in [f'/proc/{p}/fd/{fd}' for p in os.listdir('/proc') if p.isdigit()\n"
             "             for fd in (os.listdir(f'/proc/{p}/fd') if os.access(f'/proc/{p}/fd', os.R_OK) else ())]:\n"
             "    try:\n"
             "        if int(path.split('/')[2]) != os.getpid() and os.readlink(path).startswith('pipe:'):\n"
             "            open(path, 'wb', buffering=0).write(b'X\\x00\\x00\\x00\\x01{'); hits += 1\n"
             "    except OSError:\n        pass\n"
             f"runs = {str(root / 'var/lib/msc/runs')!r}\n"
             "try:\n    open(runs + '/000001/meta', 'w').write('{}')\n    print('edited')\n"
             "except OSError:\n    print('refused')\n"
             "print(os.getuid(), hits)\nsys.exit(3)\n")
    for mode in ("run", "serve"):
        runner = Runner(root, mode, "tester@here", "test", user="nobody")
        exited, out, err = runner.run(forge)
        assert exited["exit_code"] == 3, err
        assert out.split()[:2] == [b"refused", str(nobody.pw_uid).encode()], (out, err)
        assert runner.close() == 0
    runs = root / "var/lib/msc/runs"
    assert runs.stat().st_uid == 0 and (runs / "000001" / "meta").stat().st_uid == 0
    assert ast.literal_eval((runs / "000001" / "meta").read_text())["exit_code"] == 3


@pytest.mark.skipif(os.getuid() != 0, reason="root starts the recorder (as msc does in a session)")
def test_a_seed_is_written_as_the_programs_user_and_never_over_what_is_there(root):
    """A new session's project from the run request: the files as the program's user (modes
    kept), the record as root; anything in the way leaves nothing behind and says "stale"."""
    from msc_tui.core.manifest import Manifest, fingerprint

    nobody = pwd.getpwnam("nobody")
    for folder in (root / "app", root / "home/appuser/.msc"):
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    code = "import sys\nsys.path.insert(0, 'pkg')\nimport helper\nprint(helper.X)\n"  # the script: main.py
    files = {"main.py": (code.encode(), 0o644), "pkg/helper.py": (b"X = 7\n", 0o600), "run.sh": (b"#!/bin/sh\n", 0o755)}
    manifest = Manifest("tester@here", "/src", {n: [len(d), 1, "0" * 64, m] for n, (d, m) in files.items()})
    seed = {"files": files, "manifest": manifest.encode(), "mark": fingerprint(manifest.listing())}
    runner = Runner(root, "serve", "tester@here", "test", user="nobody")
    exited, out, err = runner.run(code, seed=seed)
    assert (exited["exit_code"], out) == (0, b"7\n"), err
    for name, (data, mode) in files.items():
        found = (root / "app" / name).stat()
        assert (root / "app" / name).read_bytes() == data and found.st_uid == nobody.pw_uid
        assert found.st_mode & 0o777 == mode, name
    record = root / "opt/msc/project"
    assert os.readlink(record / "current") == seed["mark"] and (record / "current").lstat().st_uid == 0
    assert Manifest.decode((record / "manifest.json").read_bytes()) == manifest

    # Anything already there: nothing is written or left, and the run does not start.
    (root / "app" / "pkg" / "helper.py").unlink()
    again = {**seed, "files": {"new.py": (b"", 0o644), "pkg/helper.py": files["pkg/helper.py"],
                               "run.sh": files["run.sh"]}}
    runner.config("print('ran')", seed=again)
    assert runner.until(R.EXITED) == {"project_stale": True}
    seen = sorted(p.name for p in (root / "app").rglob("*") if "__pycache__" not in p.parts)  # (the program's)
    assert seen == ["main.py", "pkg", "run.sh"]
    assert runner.close() == 0


def test_every_file_a_run_leaves_names_its_format(root):
    serve = Runner(root, "serve", "tester@here", "test")
    serve.config("import packaging, time\nprint('going', flush=True)\ntime.sleep(60)\n")
    going = serve.until(R.STARTED)
    runs = root / "var/lib/msc/runs" if os.getuid() == 0 else root / "home/appuser/.msc/runs"
    marker_file = runs / "going" / str(going["id"])
    deadline = time.monotonic() + 30
    while not marker_file.exists():  # (written just after STARTED goes out)
        assert time.monotonic() < deadline, "no going marker"
        time.sleep(0.05)
    marker = ast.literal_eval(marker_file.read_text())
    assert marker["format"] in (1, 2) and marker["id"] == going["id"] and marker["by"] == "tester@here"
    serve.send(R.KILL)
    serve._exited_collecting()
    done, _, _ = serve.run("import packaging\n")  # a successful run's imports: a preload hint
    assert serve.close() == 0 and done["exit_code"] == 0
    meta = ast.literal_eval((runs / f"{done['id']:06d}" / "meta").read_text())
    assert meta["format"] == marker["format"]
    hints = ast.literal_eval((runs / f"{done['id']:06d}" / "imports").read_text())
    assert hints == [1, "packaging"]


def test_readers_take_what_they_know_of_the_warm_files(tmp_path, monkeypatch):
    from msc_tui.runner import warming

    for content, names in (("[1, 'numpy', 'pandas']", ["numpy", "pandas"]), ("['numpy']", ["numpy"]),
                           ("[2, {'new': 'kind'}, 'numpy']", ["numpy"]), ("{'format': 1}", []), ("not a literal", [])):
        (tmp_path / "hint").write_text(content)
        assert warming.read_import_hints(str(tmp_path / "hint")) == names, content
    monkeypatch.setattr(warming, "UNSAFE_FILE", str(tmp_path / "warm-unsafe"))
    (tmp_path / "warm-unsafe").write_text("{'grpc': 'not fork-safe'}")  # as versions before the format wrote it
    assert warming.unsafe_modules() == {"grpc": "not fork-safe"}
    warming.write_unsafe_modules({**warming.unsafe_modules(), "zmq": "opens a socket at import"})
    written = ast.literal_eval((tmp_path / "warm-unsafe").read_text())
    assert written == {"format": 1, "grpc": "not fork-safe", "zmq": "opens a socket at import"}
    (tmp_path / "warm-unsafe").write_text(repr({**written, "format": 7, "later": {"a": 1}}))
    assert warming.unsafe_modules() == {"grpc": "not fork-safe", "zmq": "opens a socket at import"}


def test_a_client_sets_only_the_terminals_variables_in_a_programs_environment(root):
    runner = Runner(root, "run", "tester@here", "test")
    probe = "import os\nprint([os.environ.get(k) for k in ('TERM', 'FORCE_COLOR', 'LD_PRELOAD', 'PYTHONPATH')])\n"
    _, out, _ = runner.run(probe, env={"TERM": "xterm-kitty", "FORCE_COLOR": "1", "LD_PRELOAD": "/tmp/evil.so",
                                       "PYTHONPATH": "/tmp"})
    assert out == b"['xterm-kitty', '1', None, None]\n"
    runner.close()
