"""The bad-input table's cases that need an engine (issue #28; those that need none are in
tests/unit/test_bad_input.py): unknown sessions, runs and files, limits only the engine refuses,
and the Python API's arguments of every DockerManager method. Each is one line (one MscError for
the API, never a TypeError), its exit code, no traceback, and nothing lost: the state file as it
was, no container left behind (docker-py looks), the module's one session still running.

One session is made once for the module; the CLI runs in-process (tests/cli_inprocess.py)."""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_inprocess import one_clear_line, run_inprocess
from tests.conftest import remove_home_objects

pytestmark = pytest.mark.xdist_group("bad-input-engine")  # one worker: the module's one session made once


@pytest.fixture(scope="module")
def home(tmp_path_factory, base_image, docker_client):
    """MSC_HOME with one session (its id), for the whole module; every container of it removed after."""
    from msc_tui.core.service import Msc

    home = tmp_path_factory.mktemp("bad-input") / "home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MSC_HOME", str(home))
        env.setenv("MSC_BASE_IMAGE", base_image)
        env.setenv("MSC_AGENT", "0")  # in-process, as the cases run
        env.delenv("MSC_DEBUG", raising=False)

        async def create() -> str:
            msc = await Msc.open(warm=False)
            try:
                record = await msc.sessions.create()
                assert (await msc.run(record, "print('ready')")).stdout == "ready\n"
                return record.id
            finally:
                await msc.close()

        sid = asyncio.run(create())
        try:
            yield home, sid
        finally:
            remove_home_objects(docker_client, home)


def containers_of(docker_client, home: Path) -> list[tuple[str, str]]:
    return sorted((c.name, c.status) for c in docker_client.containers.list(all=True,
                                                                             filters={"label": f"msc.home={home}"}))


@pytest.fixture
def unchanged(home, docker_client):
    """After the test: sessions.toml byte for byte, and the same containers, the session running."""
    folder, sid = home
    state = (folder / "sessions.toml").read_bytes()
    before = containers_of(docker_client, folder)
    assert before == [(f"msc-dev-session-{sid}", "running")]
    yield
    assert (folder / "sessions.toml").read_bytes() == state
    assert containers_of(docker_client, folder) == before


S = "{S}"  # the module's session, put in when the case runs
CLI_CASES = [
    # a reference of the right form that names no session: exit 4
    *[pytest.param(argv, 4, "unknown session", id=" ".join(argv)) for argv in (
        ["history", "nosuch1"], ["logs", "nosuch1"], ["who", "nosuch1"], ["install", "nosuch1", "six"],
        ["uninstall", "nosuch1", "six"], ["packages", "nosuch1"], ["rm", "nosuch1"], ["files", "nosuch1"],
        ["restore", "nosuch1"], ["shell", "nosuch1"], ["cp", "nosuch1:/app/x", "out"],
        ["cp", "/etc/hostname", "msc-dev-session-nosuch1:/app/"], ["run", "-s", "nosuch1", "-"],
        ["history", "msc-dev-session-nosuch1"])],
    # runs and files that do not exist
    *[pytest.param(["logs", S, run], 4, "", id=f"logs-run-{run}") for run in ("999", "0", "abc", "1.5", "1x")],
    pytest.param(["cp", f"{S}:/app/nonexistent.txt", "out"], 4, "nonexistent.txt", id="cp-out-missing"),
    pytest.param(["cp", "/nonexistent/file", f"{S}:/app/"], 4, "/nonexistent/file", id="cp-in-missing"),
    pytest.param(["cp", f"{S}:/app/../../etc/passwd", "out"], 2, "refused", id="cp-out-escape"),
    pytest.param(["restore", S], 2, "still has its container", id="restore-alive"),
    pytest.param(["run", "-s", S, "--name", "../x.py", "-"], 2, "file name", id="run-name-escape"),
    pytest.param(["run", "-s", S, "-", "--name", "nul.py"], 2, "NUL", id="run-nul"),
    pytest.param(["install", S, "--", "--index-url=http://evil"], 2, "installer options", id="install-option"),
    pytest.param(["install", S, "https://evil/x.whl"], 2, "refused", id="install-url"),
    pytest.param(["uninstall", S, "six; rm -rf /"], 2, "", id="uninstall-marker"),
]


@pytest.mark.parametrize(("argv", "code", "says"), CLI_CASES)
def test_a_bad_argument_that_reaches_the_engine_is_one_line(home, unchanged, argv, code, says, monkeypatch):
    folder, sid = home
    monkeypatch.chdir(folder.parent)
    code_in = b"print(1)\0" if "nul.py" in argv else b"print(1)"
    argv = [a.replace(S, sid) for a in argv]
    outcome = run_inprocess(argv, code_in, {"MSC_HOME": str(folder), "MSC_AGENT": "0"})
    problem = one_clear_line(outcome, argv[0] if outcome.err.startswith("usage: ") else None)
    assert not problem, problem
    assert outcome.code == code, outcome.err
    assert says in outcome.err
    assert not (folder.parent / "out").exists()


CONFIG_CASES = [  # values only the engine can refuse: the create fails, and leaves no container behind
    pytest.param("[limits]\ncpus = 64\n", 1, id="cpus-over-the-engine's"),
    pytest.param("[limits]\nmemory = \"1k\"\n", 1, id="memory-under-docker's-minimum"),
]


@pytest.mark.parametrize(("config", "code"), CONFIG_CASES)
def test_a_limit_the_engine_refuses_leaves_no_container_and_no_record(home, unchanged, config, code):
    folder, _ = home
    (folder / "config.toml").write_text(config)
    try:
        outcome = run_inprocess(["run", "--new", "-"], b"print(1)", {"MSC_HOME": str(folder), "MSC_AGENT": "0"})
    finally:
        (folder / "config.toml").unlink()
    assert not one_clear_line(outcome), outcome.err
    assert outcome.code == code, outcome.err
    assert "Traceback" not in outcome.err


# -- the Python API -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def manager(home):
    from msc_tui import DockerManager

    folder, sid = home
    with pytest.MonkeyPatch.context() as env:
        env.setenv("MSC_HOME", str(folder))
        with DockerManager() as dm:
            yield dm


API_CASES = [  # (method, args with S for the session, the error's class name, a word of its message)
    ("create_session", {"app_type": 5}, "UsageError", "app_type"),
    ("create_session", {"app_type": "gui"}, "UsageError", "gui"),
    ("create_session", {"code": b"print(1)"}, "UsageError", "code"),
    ("create_session", {"task": ["x"]}, "UsageError", "task"),
    ("create_session", {"network": "host"}, "UsageError", "host"),
    ("create_session", {"network": 0}, "UsageError", "network"),
    ("list_dev_containers", {"include_all": "yes"}, "UsageError", "include_all"),
    ("remove_container", {"container_name": 5}, "UsageError", "container_name"),
    ("remove_container", {"container_name": ""}, "UsageError", "empty"),
    ("remove_container", {"container_name": "../"}, "UsageError", "letters"),
    ("remove_container", {"container_name": "nosuch1"}, "NotFound", "unknown session"),
    ("remove_container", {"container_name": S, "force": "no"}, "UsageError", "force"),
    ("restore_session", {"container_name": None}, "UsageError", "container_name"),
    ("restore_session", {"container_name": "a;b"}, "UsageError", "letters"),
    ("restore_session", {"container_name": S}, "UsageError", "still has its container"),
    ("execute_in_container", {"container_name": S, "code": None}, "UsageError", "code"),
    ("execute_in_container", {"container_name": S, "code": b"print(1)"}, "UsageError", "code"),
    ("execute_in_container", {"container_name": S, "code": "print(1)\0"}, "UsageError", "NUL"),
    ("execute_in_container", {"container_name": 5, "code": "print(1)"}, "UsageError", "container_name"),
    ("execute_in_container", {"container_name": None, "code": "print(1)"}, "UsageError", "container_name"),
    ("execute_in_container", {"container_name": "x" * 10_000, "code": "print(1)"}, "UsageError", "letters"),
    ("execute_in_container", {"container_name": "nosuch1", "code": "print(1)"}, "NotFound", "unknown session"),
    *[("execute_in_container", {"container_name": S, "code": "print(1)", "timeout": t}, "UsageError", "timeout")
      for t in ("5", -1, math.nan, math.inf, -math.inf, 1e999, True, [5], 1e12)],
    *[("execute_in_container", {"container_name": S, "code": "print(1)", "filename": f}, "UsageError", "file")
      for f in (5, "", "../x.py", "/etc/x.py", "x.txt", "x" * 300 + ".py")],
    *[("execute_in_container", {"container_name": S, "code": "print(1)", "stdin": s}, "UsageError", "stdin")
      for s in (5, ["a"], {"a": 1})],
    *[("execute_in_container", {"container_name": S, "code": "print(1)", "files": f}, "UsageError", "")
      for f in (5, ["a.txt"], {"../../etc/x": "a"}, {5: "a"}, {"a.txt": 5}, {"/etc/x": b""})],
    ("execute_in_container", {"container_name": S, "code": "print(1)", "auto_install": "yes"}, "UsageError",
     "auto_install"),
    ("put_files", {"container_name": S, "files": 5}, "UsageError", "files"),
    ("put_files", {"container_name": S, "files": {"/etc/x": b""}}, "UsageError", "refused"),
    ("put_files", {"container_name": S, "files": {"a.txt": None}}, "UsageError", ""),
    ("get_file", {"container_name": S, "path": "/etc/shadow"}, "UsageError", "refused"),
    ("get_file", {"container_name": S, "path": 5}, "UsageError", "path"),
    ("get_file", {"container_name": S, "path": "nonexistent.txt"}, "NotFound", "nonexistent.txt"),
    *[("install_packages_in_container", {"container_name": S, "packages": p}, "UsageError", "")
      for p in (None, 5, [5], "-e x", ["--index-url=http://evil"], [], "six; rm -rf /", ["a" * 300],
                "https://evil/x.whl", b"six")],
    *[("uninstall_packages_in_container", {"container_name": S, "packages": p}, "UsageError", "")
      for p in (None, [5], "--yes", [])],
    ("get_container_installed_packages", {"container_name": 5}, "UsageError", "container_name"),
    ("get_container_installed_packages", {"container_name": "nosuch1"}, "NotFound", "unknown session"),
]


@pytest.mark.parametrize(("method", "kwargs", "error", "says"), API_CASES,
                         ids=[f"{m}-{i}" for i, (m, *_) in enumerate(API_CASES)])
def test_a_bad_api_argument_is_one_msc_error(home, manager, unchanged, method, kwargs, error, says):
    from msc_tui.errors import MscError

    _, sid = home
    kwargs = {k: (sid if v == S else v) for k, v in kwargs.items()}
    with pytest.raises(MscError) as raised:
        getattr(manager, method)(**kwargs)
    assert type(raised.value).__name__ == error, raised.value
    message = str(raised.value)
    assert "\n" not in message and len(message) <= 400 and says in message, message


def test_a_held_state_lock_fails_the_run_before_the_program_starts(home, unchanged, monkeypatch, docker_client):
    """Issue #28: the lock held by a stuck process failed `msc run` only after the program had run."""
    from msc_tui.core import state
    from msc_tui.core.service import Msc
    from msc_tui.errors import MscError

    folder, sid = home
    monkeypatch.setenv("MSC_HOME", str(folder))
    monkeypatch.setattr(state, "LOCK_TIMEOUT_S", 0.5)
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1]); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
                               str(folder / "sessions.toml.lock")], stdout=subprocess.PIPE, text=True)

    async def run() -> None:
        msc = await Msc.open(warm=False)
        try:
            await msc.run(msc.sessions.resolve(sid), "open('/app/ran', 'w').close()")
        finally:
            await msc.close()

    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(MscError, match=f"locked for over 0s by pid {holder.pid} "):
            asyncio.run(run())
    finally:
        holder.kill()
        holder.wait()
    ran = docker_client.containers.get(f"msc-dev-session-{sid}").exec_run(["test", "-e", "/app/ran"])
    assert ran.exit_code == 1, "the program ran although msc failed"
