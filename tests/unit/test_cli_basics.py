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
