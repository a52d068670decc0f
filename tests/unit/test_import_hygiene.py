"""What a process loads at run time (the static import contracts are in pyproject.toml, run by test_lint.py)."""

import subprocess
import sys


def test_core_engine_api_and_cli_do_not_import_textual():
    code = ("import sys, msc_tui, msc_tui.cli, msc_tui.core.service, msc_tui.engine;"
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'));"
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_run_agents_client_side_starts_on_the_standard_library_alone():
    """`msc run -s` through the agent must not pay msc's ~200 ms of imports."""
    code = ("import sys, msc_tui, msc_tui.cli, msc_tui.cli.agent_client;"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('aiohttp', 'aiodocker', 'textual', 'packaging', 'asyncio') or m in ('msc_tui.api', 'msc_tui.core'));"
            "print(heavy); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_which_runs_the_agent_takes(monkeypatch):
    from msc_tui.cli.agent_client import eligible

    monkeypatch.delenv("MSC_AGENT", raising=False)
    assert eligible(["run", "-s", "abc", "app.py"]) and eligible(["run", "--session=abc", "-"])
    assert eligible(["run", "-sabc", "--json", "app.py"])
    assert eligible(["run", "--new", "app.py"])  # the agent keeps the warm pool
    for argv in (["run", "app.py"], ["run", "--new", "--tty", "x.py"], ["run", "-s", "a", "--tty", "x.py"],
                 ["run", "-s", "a", "/dev/fd/63"], ["ls"], ["run", "-s", "a", "--help"], []):
        assert not eligible(argv), argv
    monkeypatch.setenv("MSC_AGENT", "0")
    assert not eligible(["run", "-s", "abc", "app.py"])
