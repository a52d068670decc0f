import subprocess
import sys

from msc_tui import __version__


def msc(*args):
    return subprocess.run([sys.executable, "-m", "msc_tui", *args], capture_output=True, text=True, timeout=60)


def test_help_lists_every_command():
    done = msc("--help")
    assert done.returncode == 0
    for command in ("run", "install", "uninstall", "packages", "ls", "rm", "clean", "build", "restore", "shell",
                    "df", "cp", "files", "doctor"):
        assert f"\n    {command} " in done.stdout or f"\n    {command}\n" in done.stdout, command


def test_version_and_usage_errors_exit_2_without_traceback():
    assert msc("--version").stdout.strip() == f"msc {__version__}"
    for args in (("frobnicate",), ("run",), ("install", "s"), ("clean", "--older-than")):
        done = msc(*args)
        assert done.returncode == 2 and "Traceback" not in done.stderr, args


def test_tui_with_a_broken_config_says_so_in_one_line(tmp_path):
    (tmp_path / "config.toml").write_text("[limits]\npids = 'many'\n")
    done = subprocess.run([sys.executable, "-m", "msc_tui"], capture_output=True, text=True, timeout=60,
                          env={"MSC_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"msc: {tmp_path / 'config.toml'}: limits.pids must be an integer, not 'many'\n"


def test_unreadable_state_and_config_are_one_line(tmp_path):
    import os

    if os.geteuid() == 0:
        # root reads anything: make the path unreadable by making it a directory instead
        (tmp_path / "config.toml").mkdir()
    else:
        (tmp_path / "config.toml").write_text("")
        (tmp_path / "config.toml").chmod(0)
    done = subprocess.run([sys.executable, "-m", "msc_tui", "ls"], capture_output=True, text=True, timeout=60,
                          env={"MSC_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"msc: {tmp_path / 'config.toml'}: cannot read it")


def test_an_unexpected_error_is_still_one_line(monkeypatch, capsys):
    from msc_tui import cli
    from msc_tui.cli import session_commands

    async def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(session_commands, "ls", broken)
    monkeypatch.delenv("MSC_DEBUG", raising=False)
    assert cli.main(["ls"]) == 1
    assert capsys.readouterr().err == "msc: unexpected error: RuntimeError: a bug (MSC_DEBUG=1 shows the traceback)\n"


def test_hostile_input_is_one_line_with_the_right_exit_code_and_json_when_asked(tmp_path):
    import json
    import os

    env = {**os.environ, "MSC_HOME": str(tmp_path), "DOCKER_HOST": "unix:///nonexistent/docker.sock"}

    def run(*args, stdin=b""):
        done = subprocess.run([sys.executable, "-m", "msc_tui", *args], input=stdin, capture_output=True,
                              timeout=60, env=env)
        return done.returncode, done.stdout.decode(), done.stderr.decode()

    cases = [
        (("run", "-", "--new"), b"\xff\xfe print(1)", 2, "not a UTF-8 Python source file"),
        (("run", "/dev/zero", "--new"), b"", 2, "not a regular file"),
        (("run", str(tmp_path), "--new"), b"", 2, "not a regular file"),
        (("run", "-s", "", "-"), b"print(1)", 2, "empty session name"),
        (("run", "--new", "--name", "x" * 300 + ".py", "-"), b"print(1)", 2, "too long"),
        (("run", "--new", "--name", "../../evil.py", "-"), b"print(1)", 2, "bad session file name"),
        (("install", "s", "a" * 10_000), b"", 2, "at most 200 characters"),
        (("ls",), b"", 3, "no Docker Engine"),
    ]
    for args, stdin, code, words in cases:
        returncode, out, err = run(*args, stdin=stdin)
        assert returncode == code and words in err and len(err.strip().splitlines()) == 1, (args, err)
        assert "Traceback" not in err and "unexpected" not in err, args
    # ssh:// with no known_hosts at all: refused before any connection (HOME is a temp folder)
    for host, words in (("ssh://someone@nowhere", "known_hosts"), ("npipe:////./pipe/docker_engine",
                                                                    "msc reaches engines over")):
        env["DOCKER_HOST"], env["HOME"] = host, str(tmp_path)
        returncode, out, err = run("ls", "--json")
        assert returncode == 3 and words in err and len(err.strip().splitlines()) == 1, err
        assert json.loads(out) == {"success": False, "error": err.strip().removeprefix("msc: "), "exit_code": 3}
    # ssh:// to a port where nothing listens, on a fresh install: one line (asyncssh's import used
    # to add ten lines of cryptography's deprecation warnings), with a command ssh itself accepts
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "known_hosts").write_text("")
    env["DOCKER_HOST"] = "ssh://nobody@127.0.0.1:1"
    returncode, out, err = run("ls")
    assert returncode == 3 and len(err.strip().splitlines()) == 1, err
    assert "connection refused" in err and "`ssh -p 1 nobody@127.0.0.1 docker version`" in err, err
    del env["DOCKER_HOST"]
    (tmp_path / "config.toml").write_text(f'[packages]\nwheelhouse = "{tmp_path / "no-such-folder"}"\n')
    returncode, out, err = run("ls")
    assert returncode == 2 and "is not a folder" in err and not (tmp_path / "no-such-folder").exists()


def test_code_is_decoded_as_python_reads_it():
    import pytest

    from msc_tui.core.project import decode_source
    from msc_tui.errors import UsageError

    assert decode_source("\ufeffprint('é')\n".encode(), "x") == "print('é')\n"  # a BOM, as python allows
    with pytest.raises(UsageError):
        decode_source(b"\xff", "x")


def test_msc_on_a_py_file_that_does_not_exist_says_no_such_file(tmp_path, capsys):
    """`msc newapp.py` (the README's `msc path/app.py`) on a file not made yet: not argparse's
    "invalid choice: 'newapp.py' (choose from 'run', ...)"."""
    from msc_tui.cli import main

    missing = str(tmp_path / "newapp.py")
    assert main([missing]) == 4
    err = capsys.readouterr().err
    assert err == (f"msc: no such file: {missing} (msc FILE.py opens an existing file; in the TUI ctrl+n "
                   "starts a new one)\n")
