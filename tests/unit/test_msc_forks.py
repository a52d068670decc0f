"""The forked `msc` most integration tests use (tests/msc_forks.py) answers as `python -m msc_tui`
does: exit code, stdout and stderr, with the call's environment, folder and stdin."""

from __future__ import annotations

import os
import subprocess
import sys

from tests import msc_forks

CASES = [  # argv, stdin
    (["--version"], ""),
    (["frobnicate"], ""),
    (["ls", "--json"], ""),  # the engine named below is not there: one line, exit 3
    (["run", "-s", "abc123", "app.py"], ""),  # a file in the call's folder: past the file check
    (["run", "--new", "--json", "-"], "print('hi')\n"),
    (["--context", "no-such-context", "ls"], ""),
    (["rm", "no such name"], ""),
]


def test_a_forked_msc_answers_as_a_started_one(tmp_path):
    env = {**os.environ, "MSC_HOME": str(tmp_path / "home"), "HOME": str(tmp_path),
           "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock", "MSC_AGENT": "0"}
    (tmp_path / "app.py").write_text("print('hi')\n")
    for args, stdin in CASES:
        started = subprocess.run([sys.executable, "-m", "msc_tui", *args], input=stdin, capture_output=True,
                                 text=True, env=env, cwd=tmp_path, timeout=60)
        forked = msc_forks.run(args, input=stdin, env=env, cwd=tmp_path, timeout=60)
        assert (forked.returncode, forked.stdout, forked.stderr) == (started.returncode, started.stdout,
                                                                     started.stderr), args
    assert started.returncode != 0  # (the cases are not all alike)


def test_a_call_past_its_timeout_is_killed(tmp_path):
    import pytest

    reader, writer = os.pipe()  # stdin that never ends: `run -` waits for it
    try:
        with os.fdopen(reader, "rb", closefd=False) as never_ends, pytest.raises(subprocess.TimeoutExpired):
            msc_forks.run(["run", "--new", "-"], timeout=1, cwd=tmp_path, stdin=never_ends,
                          env={**os.environ, "MSC_HOME": str(tmp_path / "home"), "MSC_AGENT": "0",
                               "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"})
    finally:
        os.close(reader)
        os.close(writer)
