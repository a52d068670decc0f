"""The bad-input table (issue #28): every way a user can hand msc a wrong value without an engine,
on the command line, in config.toml and in the environment. Each case expects one clear line on
stderr (or argparse's usage of the command and one error line), the exit code of docs/cli.md, no
traceback, and nothing lost: the home's state file and config are as they were.

No engine is reached: DOCKER_HOST names a socket that does not exist, so a value checked only
after the engine is asked shows as exit 3 instead of 2. The cases that need an engine are in
tests/integration/test_bad_input_engine.py. The CLI is driven in-process (tests/cli_inprocess.py);
a few cases run as real `msc` processes too, to prove the two agree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_inprocess import one_clear_line, run_inprocess, run_subprocess

NO_ENGINE = "unix:///nonexistent/msc-bad-input/docker.sock"
STATE = ('[sessions.abc123]\ncontainer_name = "msc-dev-session-abc123"\nimage = "msc-basic_app:x"\n'
         'app_type = "basic_app"\nsession_files = ["main.py"]\n')

# Session references that are not Docker's grammar for names: refused before any URL is made.
BAD_REFS = {
    "empty": "", "blank": " ", "dot-dot-slash": "../", "dot-dot": "..", "dot": ".", "slash": "a/b",
    "shell": "a;rm -rf /", "query": "a?b=c", "fragment": "a#b", "percent": "%2e%2e", "space": "a b",
    "newline": "a\nb", "escape": "a\x1b]52;c;eA==\x07", "unicode": "sessión", "long": "x" * 10_000,
    "leading-dash-name": "_abc", "colon": "a:b", "backslash": "a\\b", "tab": "a\tb",
}
SESSION_COMMANDS = {  # argv around the reference
    "run": lambda ref: ["run", "-s", ref, "-"],
    "history": lambda ref: ["history", ref],
    "logs": lambda ref: ["logs", ref],
    "who": lambda ref: ["who", ref],
    "install": lambda ref: ["install", ref, "six"],
    "uninstall": lambda ref: ["uninstall", ref, "six"],
    "packages": lambda ref: ["packages", ref],
    "rm": lambda ref: ["rm", ref],
    "files": lambda ref: ["files", ref],
    "restore": lambda ref: ["restore", ref],
    "shell": lambda ref: ["shell", ref],
    "cp-in": lambda ref: ["cp", "/etc/hostname", f"{ref}:/app/x"],
    "cp-out": lambda ref: ["cp", f"{ref}:/app/x", "out"],
}
# These references start with what argparse takes for an option, or split at the colon: kept out.
_SKIP = {("cp-in", "colon"), ("cp-out", "colon"), ("cp-in", "empty"), ("cp-out", "empty")}


def _ref_cases():
    for command, argv in SESSION_COMMANDS.items():
        for name, ref in BAD_REFS.items():
            if (command, name) not in _SKIP:
                yield pytest.param(argv(ref), b"print(1)", 2, "session", id=f"ref-{command}-{name}")


def _case(argv, code, says, stdin=b"print(1)", id=None):
    return pytest.param(argv, stdin, code, says, id=id or " ".join(argv)[:60])


# -- arguments of every command ----------------------------------------------------------------------
RUN = ["run", "--new"]
ARGUMENT_CASES = [
    *_ref_cases(),
    # --timeout: a finite number of seconds, 0 .. 10,000,000
    *[_case([*RUN, "--timeout", value, "-"], 2, "--timeout", id=f"run-timeout-{value}")
      for value in ("-5", "nan", "inf", "-inf", "1e999", "abc", "", "5s", "0x10", "10000001", "1_0 0", "-0.5")],
    _case(["run", "-s", "abc123", "--timeout", "nan", "-"], 2, "--timeout"),
    _case([*RUN, "--app-type", "gui", "-"], 2, "invalid choice"),
    _case([*RUN, "--app-type", "", "-"], 2, "invalid choice"),
    _case([*RUN, "--network", "host", "-"], 2, "invalid choice"),
    _case([*RUN, "--network", "bridge", "-"], 2, "invalid choice"),
    # --name: a plain .py file name of /app
    *[_case([*RUN, "--name", name, "-"], 2, "file name", id=f"run-name-{name[:20]}")
      for name in ("../../evil.py", "/etc/passwd.py", "a/../../b.py", "x" * 300 + ".py", "", "a\nb.py",
                   "a\x1b[31m.py", ".", "..")],
    # the file itself
    _case([*RUN, "-"], 2, "UTF-8", stdin=b"\xff\xfe print(1)"),
    _case([*RUN, "-"], 2, "NUL", stdin=b"print(1)\0"),
    _case([*RUN, "-"], 2, "MiB", stdin=b"#" * (5 * 1024 * 1024 + 10)),
    _case([*RUN, "/dev/zero"], 2, "not a regular file"),
    _case([*RUN, "/nonexistent/app.py"], 4, "/nonexistent/app.py"),
    _case([*RUN, "/etc"], 2, "not a regular file"),
    # options and arguments argparse refuses: the command's own usage, exit 2
    _case(["follow", "abc123"], 2, "unknown command 'follow'; did you mean `msc logs --follow SESSION`?"),
    _case(["isntall", "abc123", "six"], 2, "unknown command 'isntall'; did you mean `msc install`?"),
    _case(["frobnicate"], 2, "unknown command 'frobnicate' (msc --help lists the commands)"),
    _case(["help"], 2, "unknown command 'help'; did you mean `msc --help`?"),
    _case(["\x1b]0;title\x07"], 2, "unknown command '\\x1b]0;title\\x07'"),
    _case(["run", "x.py", "--bogus"], 2, "unrecognized arguments: --bogus"),
    _case(["run", "--bogus"], 2, "unrecognized arguments: --bogus"),
    _case(["install", "--bogus=1"], 2, "unrecognized arguments: --bogus=1"),
    _case(["run", "--new", "-s", "abc123", "-"], 2, "not allowed with"),
    _case(["run"], 2, "required: file"),
    _case(["ls", "--bogus"], 2, "unrecognized arguments"),
    _case(["ls", "extra"], 2, "unrecognized arguments"),
    _case(["df", "--all"], 2, "unrecognized arguments"),
    _case(["doctor", "x"], 2, "unrecognized arguments"),
    _case(["history"], 2, "required"),
    _case(["history", "abc123", "2"], 2, "unrecognized arguments"),
    _case(["logs"], 2, "required"),
    _case(["logs", "abc123", "1", "2"], 2, "unrecognized arguments"),
    _case(["who", "abc123", "--follow"], 2, "unrecognized arguments"),
    _case(["install", "abc123"], 2, "required"),
    _case(["uninstall", "abc123"], 2, "required"),
    _case(["packages"], 2, "required"),
    _case(["packages", "abc123", "--freeze"], 2, "unrecognized arguments"),
    _case(["rm"], 2, "required"),
    _case(["rm", "abc123", "--yes"], 2, "unrecognized arguments"),
    _case(["cp", "a"], 2, "required"),
    _case(["files"], 2, "required"),
    _case(["build", "--app-type", "x"], 2, "invalid choice"),
    _case(["build", "--app-type"], 2, "expected one argument"),
    _case(["restore"], 2, "required"),
    _case(["shell"], 2, "required"),
    _case(["shell", "abc123", "bash"], 2, "unrecognized arguments"),
    _case(["mcp", "--port", "1"], 2, "unrecognized arguments"),
    _case(["clean", "--older-than"], 2, "expected one argument"),
    _case(["clean", "--bogus"], 2, "unrecognized arguments"),
    _case(["--context"], 2, "expected one argument"),
    _case(["--bogus", "ls"], 2, "unrecognized arguments"),
    # --older-than: a duration
    *[_case(["clean", "--older-than", value, "--dry-run"], 2, "--older-than", id=f"clean-older-than-{value}")
      for value in ("x", "5", "5y", "-5m", "nan", "1e999s", "5 m", "m", "", "3.5.1d", "1d2h")],
    # package specs: refused before anything reaches an index
    *[_case(["install", "abc123", spec], 2, "", id=f"install-spec-{spec[:24]}")
      for spec in ("a" * 10_000, "-e", "--index-url=http://evil", "-r", "https://evil/x.whl", "git+https://x/y",
                   "file:///etc/passwd", "./local", "/abs/path", "", " ", "six; rm -rf /", "six\nnumpy",
                   "six==", "six>=1,<", "numpy[", "@", "six @ http://evil/x.whl", "six$(id)", "six`id`")],
    *[_case(["uninstall", "abc123", spec], 2, "", id=f"uninstall-spec-{spec[:24]}")
      for spec in ("a" * 10_000, "-e", "--yes", "https://evil/x.whl", "", "six[", "six; x", "../x")],
    # cp: one side a session path, confined to /app and /tmp
    _case(["cp", "a", "b"], 2, "one side"),
    _case(["cp", "abc123:/app/a", "abc123:/app/b"], 2, "one side"),
    *[_case(["cp", "/etc/hostname", f"abc123:{path}"], 2, "", id=f"cp-in-{path}")
      for path in ("/etc/passwd", "../../etc/x", "/app/../etc/x", "/", "/proc/1/mem", "/opt/msc/x", "/tmp/../root")],
    *[_case(["cp", f"abc123:{path}", "out"], 2, "", id=f"cp-out-{path}")
      for path in ("/etc/shadow", "../../etc/x", "/app/../../etc/x", "/opt/msc/requested.json")],
]


def _config_cases():
    """Every key of config.toml with values of the wrong type or out of range."""
    wrong = {
        "image.base": ["5", "[]", "true", '""', '"UPPER CASE"', '"a b"', '"x;rm -rf /"'],
        "session.app_type": ["5", '"gui"', '""', "[]"],
        "session.network": ['"host"', "1", '""', "false"],
        "limits.memory": ['"x"', '"-5g"', "5", '"5t"', '"nan"', '"1e999g"'],
        "limits.disk": ['"x"', '"-1g"', "10", '"ten gigs"'],
        "limits.pids": ["0", "-1", "15", "nan", "1.5", '"many"', "true", "inf", "99999999999999999999"],
        "limits.cpus": ["nan", "inf", "-1", "0.001", '"2"', "true", "1e999", "99999999"],
        "run.timeout": ["nan", "inf", "-5", "1e999", '"5"', "true", "1e12"],
        "run.auto_install_rounds": ["-1", "1.5", '"3"', "nan", "1000000000"],
        "run.warm_imports": ['"yes"', "1", "[]"],
        "run.warm_idle": ["nan", "-1", "inf", '"900"', "1e12"],
        "run.agent": ['"no"', "0"],
        "packages.installer": ['"conda"', "1", '""'],
        "packages.index_url": ["5", '"not a url"', '"ftp://x/simple"', '"http://a b"', "[]"],
        "packages.extra_index_urls": ['"http://x/simple"', "[5]", '["not a url"]', "5"],
        "packages.wheelhouse": ["5", '"/nonexistent/wheels"', '"/etc/hostname"'],
        "packages.ca_bundle": ["5", '"/nonexistent/ca.pem"', '"/etc"'],
        "engine.host": ["5", '"npipe:////./pipe/docker"', '"ftp://x"', '"tcp://host:port"', '"garbage"'],
        "engine.connect_timeout": ["0", "-1", "nan", "inf", '"3"', "1e12"],
        "engine.call_timeout": ["-1", "nan", "inf", '"30"', "1e12"],
        "project.max_mb": ["-1", "nan", '"200"', "1.5"],
        "project.max_files": ["-1", "nan", '"20000"', "2.5"],
        "keys.run": ["5", "[]"],
        "bogus.key": ["1"],
        "run.bogus": ["1"],
    }
    for key, values in wrong.items():
        table, name = key.split(".")
        for value in values:
            text = f"[{table}]\n{name} = {value}\n"
            says = name if table != "bogus" else "bogus"
            yield pytest.param(text, says, id=f"config-{key}={value[:20]}")
    yield pytest.param("[limits\npids = 1\n", "TOML", id="config-not-toml")
    yield pytest.param("limits = 5\n", "table", id="config-table-not-table")
    yield pytest.param(b"\xff\xfe[limits]\n", "TOML", id="config-not-utf8")


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "sessions.toml").write_text(STATE)
    monkeypatch.chdir(tmp_path)
    for name in ("MSC_DEBUG", "MSC_CONTEXT", "MSC_BASE_IMAGE", "MSC_CA_BUNDLE", "MSC_NETWORK", "MSC_INSTALLER",
                 "DOCKER_CONTEXT", "DOCKER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MSC_HOME", str(home))
    monkeypatch.setenv("DOCKER_HOST", NO_ENGINE)
    monkeypatch.setenv("MSC_AGENT", "0")
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))  # no context of this machine's
    return home


def snapshot(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(home.iterdir()) if p.is_file()}


COMMANDS = {"run", "history", "logs", "who", "install", "uninstall", "packages", "ls", "rm", "df", "clean", "cp",
            "files", "build", "restore", "shell", "mcp", "doctor"}


def check(outcome, argv, code: int, says: str) -> None:
    problem = one_clear_line(outcome, argv[0] if argv and argv[0] in COMMANDS else None)
    assert not problem, problem
    assert outcome.code == code, f"exit {outcome.code}, not {code}: {outcome.err!r}"
    assert says.lower() in outcome.err.lower(), f"{says!r} not in {outcome.err!r}"


@pytest.mark.parametrize(("argv", "stdin", "code", "says"), ARGUMENT_CASES)
def test_a_bad_argument_is_one_line_and_its_exit_code(home, argv, stdin, code, says):
    before = snapshot(home)
    outcome = run_inprocess(argv, stdin)
    check(outcome, argv, code, says)
    assert snapshot(home) == before


@pytest.mark.parametrize(("config", "says"), list(_config_cases()))
def test_a_bad_config_value_is_one_line_naming_the_key_exit_2(home, config, says):
    (home / "config.toml").write_bytes(config if isinstance(config, bytes) else config.encode())
    before = snapshot(home)
    for argv in (["ls"], ["run", "--new", "-"]):
        outcome = run_inprocess(argv, b"print(1)")
        check(outcome, argv, 2, says)
        assert str(home / "config.toml") in outcome.err or "ca_bundle" in outcome.err or "wheelhouse" in outcome.err
    assert snapshot(home) == before


ENVIRONMENT_CASES = [
    pytest.param({"MSC_HOME": "/proc/1"}, ["ls"], 2, "/proc/1", id="env-MSC_HOME=/proc/1"),
    pytest.param({"MSC_HOME": "/proc/1"}, ["run", "--new", "-"], 2, "/proc/1", id="env-MSC_HOME=/proc/1-run"),
    pytest.param({"MSC_HOME": "/etc/hostname"}, ["ls"], 2, "/etc/hostname", id="env-MSC_HOME=a-file"),
    pytest.param({"MSC_HOME": "/dev/null"}, ["ls"], 2, "/dev/null", id="env-MSC_HOME=/dev/null"),
    pytest.param({"MSC_HOME": "/sys/kernel"}, ["ls"], 2, "cannot write", id="env-MSC_HOME=/sys/kernel"),
    pytest.param({"MSC_HOME": "/proc/1/msc"}, ["ls"], 2, "cannot write", id="env-MSC_HOME-under-/proc/1"),
    pytest.param({"MSC_NETWORK": "host"}, ["ls"], 2, "MSC_NETWORK", id="env-MSC_NETWORK=host"),
    pytest.param({"MSC_INSTALLER": "conda"}, ["ls"], 2, "MSC_INSTALLER", id="env-MSC_INSTALLER=conda"),
    pytest.param({"MSC_CA_BUNDLE": "/nonexistent/ca.pem"}, ["ls"], 2, "ca_bundle", id="env-MSC_CA_BUNDLE-missing"),
    pytest.param({"MSC_BASE_IMAGE": "a b"}, ["build", "--dockerfile"], 2, "MSC_BASE_IMAGE",
                 id="env-MSC_BASE_IMAGE=a b"),
    pytest.param({"MSC_CONTEXT": "nosuchcontext"}, ["ls"], 3, "nosuchcontext", id="env-MSC_CONTEXT-unknown"),
    pytest.param({"MSC_CONTEXT": "../../etc"}, ["ls"], 3, "context", id="env-MSC_CONTEXT-path"),
    *[pytest.param({"DOCKER_HOST": host}, ["ls"], 3, "", id=f"env-DOCKER_HOST={host[:30]}")
      for host in ("npipe:////./pipe/docker_engine", "ftp://host", "garbage", "tcp://", "tcp://host:notaport",
                   "tcp://[::1", "ssh://", "unix://", "unix:///nonexistent.sock", "http://", "tcp://127.0.0.1:1",
                   "ssh://user@", "ssh://-oProxyCommand=id/", "tcp://a b:2375")],
]


@pytest.mark.parametrize(("env", "argv", "code", "says"), ENVIRONMENT_CASES)
def test_a_bad_environment_is_one_line_and_its_exit_code(home, env, argv, code, says):
    before = snapshot(home)
    outcome = run_inprocess(argv, b"print(1)", env)
    check(outcome, argv, code, says)
    assert snapshot(home) == before


def test_a_read_only_home_is_one_line(home):
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder")
    home.chmod(0o555)
    try:
        outcome = run_inprocess(["ls"])
        check(outcome, ["ls"], 2, str(home))
    finally:
        home.chmod(0o755)


# The same cases as real `msc` processes: what the in-process harness sees is what users see.
THE_SAME_OUTSIDE = [
    (["run", "x.py", "--bogus"], b""),
    (["run", "--new", "--timeout", "nan", "-"], b"print(1)"),
    (["history", "a;rm -rf /"], b""),
    (["install", "abc123", "--index-url=http://evil"], b""),
    (["clean", "--older-than", "5y"], b""),
    (["ls"], b""),  # no engine: exit 3
]


def test_the_in_process_harness_matches_real_msc_processes(home):
    for argv, stdin in THE_SAME_OUTSIDE:
        inside, outside = run_inprocess(argv, stdin), run_subprocess(argv, stdin)
        assert inside == outside, argv
    assert {run_inprocess(argv, stdin).code for argv, stdin in THE_SAME_OUTSIDE} == {2, 3}


def test_the_edges_of_every_range_are_still_accepted(home):
    """The checks refuse no value the docs allow (docs/configuration.md)."""
    from msc_tui.config import load_settings

    (home / "config.toml").write_text(
        '[image]\nbase = "localhost:5000/team/python:3.11-slim"\n[limits]\npids = 16\ncpus = 0.01\nmemory = "0"\n'
        'disk = ""\n[run]\ntimeout = 10000000\nauto_install_rounds = 100\n[packages]\nindex_url = "none"\n'
        'extra_index_urls = ["https://example.org/simple"]\n[engine]\nhost = "tcp://[::1]:2375"\ncall_timeout = 0\n'
        '[keys]\n"main.run" = "ctrl+r"\n')
    settings = load_settings()
    assert (settings.pids_limit, settings.cpus, settings.index_url, settings.call_timeout) == (16, 0.01, "none", 0.0)
    for image in ("python:3.11-slim", "ghcr.io/a/b@sha256:" + "0" * 64, "msc-test-base:bookworm"):
        (home / "config.toml").write_text(f'[image]\nbase = "{image}"\n')
        assert load_settings().base_image == image


# MCP tool arguments: a tool error of one line, before any engine is asked (the server stays up).
MCP_CASES = [
    *[("run_code", {"session": ref, "code": "print(1)"}, "session") for ref in ("../", "a;rm -rf /", "", "x" * 10_000)],
    *[(tool, {"session": "../x", **extra}, "session") for tool, extra in (
        ("install_packages", {"packages": ["six"]}), ("list_packages", {}), ("list_files", {}),
        ("read_file", {"path": "a.txt"}), ("write_file", {"path": "a.txt", "content": "x"}), ("run_history", {}),
        ("run_output", {"run": 1}), ("stop_run", {}), ("remove_session", {"confirm": True}))],
    ("run_code", {"session": "abc123"}, "give code"),
    ("run_code", {"session": "abc123", "code": "1", "path": "a.py"}, "give code"),
    *[("run_code", {"session": "abc123", "code": "1", "timeout": t}, "timeout")
      for t in (-1, 0, "nan", "inf", 1e12, "soon")],
    ("run_code", {"session": "abc123", "code": "1", "filename": "../x.py"}, "file name"),
    ("run_code", {"session": "abc123", "code": "1\0"}, "NUL"),
    ("install_packages", {"session": "abc123", "packages": "pandas"}, "valid list"),
    ("install_packages", {"session": "abc123", "packages": ["--index-url=http://evil"]}, "refused"),
    ("install_packages", {"session": "abc123", "packages": []}, "no package"),
    ("read_file", {"session": "abc123", "path": "/etc/shadow"}, "refused"),
    ("write_file", {"session": "abc123", "path": "../../etc/x", "content": "x"}, "refused"),
    ("list_files", {"session": "abc123", "path": "/etc"}, "refused"),
    ("run_output", {"session": "abc123", "run": 1, "stream": "both"}, "stream"),
    ("run_output", {"session": "abc123", "run": "one"}, "run"),
    ("run_output", {"session": "abc123", "run": 1, "offset": -5}, "offset"),
    ("run_history", {"session": "abc123", "limit": -1}, "limit"),
    ("read_file", {"session": "abc123", "path": "a.txt", "max_bytes": -1}, "max_bytes"),
    ("create_session", {"app_type": "gui"}, "gui"),
    ("create_session", {"network": "host"}, "host"),
    ("remove_session", {"session": "abc123", "confirm": "maybe"}, "confirm"),
]


@pytest.mark.parametrize(("tool", "arguments", "says"), MCP_CASES, ids=[f"mcp-{t}-{i}" for i, (t, *_) in
                                                                         enumerate(MCP_CASES)])
async def test_a_bad_mcp_argument_is_a_one_line_tool_error_before_the_engine(home, tool, arguments, says):
    from mcp.client.client import Client

    from msc_tui.mcp.server import build
    from msc_tui.mcp.tools import Tools

    before = snapshot(home)
    async with Client(build(Tools())) as client:  # in-process, as a client sees it
        result = await client.call_tool(tool, arguments)
    message = result.content[0].text
    assert result.is_error and "\n" not in message and len(message) <= 400, message
    assert "Docker Engine" not in message and says.lower() in message.lower(), message
    assert snapshot(home) == before
