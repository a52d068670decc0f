"""Run records read from a session are data its programs could have written: summarize checks them."""

from __future__ import annotations

from msc_tui.core.activity import summarize

NOW = 1_800_000_000.0


def test_the_latest_run_and_the_runs_going():
    runs = [{"id": 1, "by": "ann@box", "face": "cli", "file": "a.py", "started_at": NOW - 60, "ended_at": NOW - 50,
             "exit_code": 0, "state": "finished"},
            {"id": 3, "by": "bob@lap", "face": "api", "file": "b.py", "started_at": NOW - 5, "state": "going"},
            {"id": 2, "by": "ann@box", "face": "tui", "file": "c.py", "started_at": NOW - 9, "state": "going"}]
    activity = summarize(runs, NOW)
    assert activity.going == ["ann@box", "bob@lap"]
    assert activity.last_run == {"id": 3, "by": "bob@lap", "face": "api", "file": "b.py", "started_at": NOW - 5,
                                 "ended_at": None, "state": "going", "exit_code": None}
    assert activity.last_used == NOW - 5


def test_forged_records_become_plain_text_and_never_future_times():
    runs = [{"id": 7, "by": "\x1b]52;c;cGF3bmVk\x07[link=x]me[/link]", "face": 5, "file": "x.py",
             "started_at": NOW + 10**9, "ended_at": "soon", "exit_code": True, "state": "finished"},
            ["not", "a", "record"], {"id": "8"}]
    activity = summarize(runs, NOW)
    last = activity.last_run
    assert last["id"] == 7 and all(c.isalnum() or c in ".@+-?_" for c in last["by"])
    assert last["face"] == "?" and last["exit_code"] is None and last["ended_at"] is None
    assert last["started_at"] == NOW and activity.last_used == NOW  # never after now


def test_no_runs():
    assert summarize([], NOW).last_run is None and summarize([], NOW).last_used == 0.0
