"""One test in a real terminal: tmux at 80x24 (its own server socket), keyboard only."""

from __future__ import annotations

import os
import sys
import time


def screen(tmux) -> str:
    return tmux("capture-pane", "-p", "-t", "msc")


def wait_for(tmux, text: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while text not in (shown := screen(tmux)):
        assert time.monotonic() < deadline, f"{text!r} never showed:\n{shown}"
        time.sleep(0.3)
    return shown


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
