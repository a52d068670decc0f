import subprocess
import sys

from msc_tui import __version__


def msc(*args):
    return subprocess.run([sys.executable, "-m", "msc_tui", *args], capture_output=True, text=True, timeout=60)


def test_help_lists_every_command():
    done = msc("--help")
    assert done.returncode == 0
    for command in ("run", "install", "uninstall", "packages", "ls", "rm", "clean", "build", "restore", "shell",
                    "doctor"):
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
    from msc_tui.cli import commands

    async def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(commands, "ls", broken)
    monkeypatch.delenv("MSC_DEBUG", raising=False)
    assert cli.main(["ls"]) == 1
    assert capsys.readouterr().err == "msc: unexpected error: RuntimeError: a bug (MSC_DEBUG=1 shows the traceback)\n"
