"""In a real terminal: tmux at 80x24 (its own server socket), keyboard only."""

from __future__ import annotations

import os
import re
import shlex
import sys
import time


def screen(tmux, window: str = "msc") -> str:
    return tmux("capture-pane", "-p", "-t", window)


def wait_for(tmux, text: str, timeout: float = 120, window: str = "msc") -> str:
    deadline = time.monotonic() + timeout
    while text not in (shown := screen(tmux, window)):
        assert time.monotonic() < deadline, f"{text!r} never showed in {window}:\n{shown}"
        time.sleep(0.3)
    return shown


def msc_command(folder, env: dict[str, str], *args: str) -> str:
    """msc run as a user would in a terminal: in `folder`, with these MSC_ settings and user."""
    settings = " ".join(shlex.quote(f"{k}={v}") for k, v in env.items())
    return f"cd {folder} && env {settings} {sys.executable} -m msc_tui {' '.join(args)}; sleep 60"


def test_a_slow_programs_last_line_and_exit_line_show_at_80x24_with_no_key_pressed(tmux, tmp_path, msc_home):
    app = tmp_path / "slow.py"
    app.write_text("import time\nfor i in range(50):\n    print('line', i, flush=True)\n    time.sleep(0.05)\n")
    env = " ".join(f"{k}={v}" for k, v in os.environ.items() if k.startswith("MSC_"))
    tmux("new-session", "-d", "-s", "msc", "-x", "80", "-y", "24",
         f"cd {tmp_path} && env {env} {sys.executable} -m msc_tui slow.py; sleep 60")
    wait_for(tmux, "f1 Help")  # the footer, with the key that lists all keys, fits 80 columns
    tmux("send-keys", "-t", "msc", "F5")
    shown = wait_for(tmux, "exit 0")
    rows = shown.splitlines()
    exit_row = next(i for i, row in enumerate(rows) if row.startswith("exit 0"))
    assert rows[exit_row - 1].startswith("line 49"), shown  # the last line, right above the exit line


def test_two_homes_at_80x24_b_follows_and_a_sees_it_then_b_finds_a_with_slash_and_joins_by_id(tmux, tmp_path,
                                                                                                msc_home):
    (tmp_path / "app.py").write_text("print('hello from a')\n")
    a_env = {k: v for k, v in os.environ.items() if k.startswith("MSC_")}
    b_env = {**a_env, "MSC_HOME": str(tmp_path / "bob-home"), "USER": "bob", "LOGNAME": "bob", "MSC_AGENT": "0"}
    tmux("new-session", "-d", "-s", "msc", "-x", "80", "-y", "24", msc_command(tmp_path, a_env, "app.py"))
    wait_for(tmux, "f1 Help")
    tmux("send-keys", "-t", "msc", "F5")
    shown = wait_for(tmux, "exit 0")
    sid = re.search(r"msc-dev-session-([0-9a-f]{6})", shown).group(1)

    # B follows A's session from another home: A's TUI says so, and names B under its log
    tmux("new-window", "-d", "-t", "msc", "-n", "follow", msc_command(tmp_path, b_env, "logs", "--follow", sid))
    shown = wait_for(tmux, "joined (cli)")
    assert re.search(r"^bob@\S+ joined \(cli\)$", shown, re.M) and re.search(r"here: bob@\S+ \(cli\)", shown), shown
    tmux("kill-window", "-t", "msc:follow")
    wait_for(tmux, "left")

    # B's TUI: F4 shows others' sessions, / finds A's by its id, the palette joins it by id
    tmux("new-window", "-d", "-t", "msc", "-n", "bob", msc_command(tmp_path, b_env))
    wait_for(tmux, "f1 Help", window="msc:bob")
    tmux("send-keys", "-t", "msc:bob", "F4")
    wait_for(tmux, "All containers", window="msc:bob")
    tmux("send-keys", "-t", "msc:bob", "/")
    wait_for(tmux, "/ filter by name, id or owner", window="msc:bob")
    tmux("send-keys", "-t", "msc:bob", "-l", sid)
    shown = wait_for(tmux, "1 shown of", window="msc:bob")
    assert f"│ {sid} " in shown and f"⇄ msc-dev-session-{sid}" in shown, shown  # what is typed shows too
    tmux("send-keys", "-t", "msc:bob", "Enter")  # the filter kept, back to the rows
    wait_for(tmux, "(/" + sid + "; esc clears)", window="msc:bob")
    tmux("send-keys", "-t", "msc:bob", "C-p")
    wait_for(tmux, "Search for commands", window="msc:bob")  # the palette, its search line ready
    tmux("send-keys", "-t", "msc:bob", "-l", "join")
    shown = wait_for(tmux, "🔎 join", window="msc:bob")
    assert "Join a session by id" in shown, shown
    tmux("send-keys", "-t", "msc:bob", "Enter")
    wait_for(tmux, "its id or name", window="msc:bob")
    tmux("send-keys", "-t", "msc:bob", "-l", sid)
    tmux("send-keys", "-t", "msc:bob", "Enter")
    wait_for(tmux, f"session msc-dev-session-{sid}; last run 1", window="msc:bob")
    shown = wait_for(tmux, "here: ", window="msc:bob")
    assert re.search(r"here: \S+ \(tui\)", shown), shown  # A's TUI, named under B's log
    shown = wait_for(tmux, "joined (tui)")  # and A's TUI shows B
    assert re.search(r"^bob@\S+ joined \(tui\), editing main\.py$", shown, re.M), shown
