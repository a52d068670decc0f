"""Names of files a run wrote come from the session: only safe ones are kept, and saving stays in its folder."""

from __future__ import annotations

import os

from msc_tui.core.returned_files import destination, inside_app


def test_only_relative_names_that_stay_inside_app_are_kept():
    forged = ["out.csv", "plots/a.png", "./b.txt", "x/../c.txt", "/tmp/x", "/app/d.txt", "../../../tmp/y",
              "a/../../e", "..", ".", "", "bad\0name", "esc\x1b]52;c;QQ==\x07", "new\nline", "c1\x9b2J",
              None, 7, ["nested"]]
    assert inside_app(forged) == ["out.csv", "plots/a.png", "b.txt", "c.txt"]


def test_a_list_that_is_no_list_gives_nothing():
    assert inside_app("/etc/passwd") == [] and inside_app(None) == [] and inside_app({"a": 1}) == []


def test_saving_resolves_against_the_folder_and_refuses_what_leaves_it(tmp_path):
    chosen, outside = tmp_path / "chosen", tmp_path / "outside"
    chosen.mkdir()
    outside.mkdir()
    (chosen / "link").symlink_to(outside)  # a symlink already in the folder, pointing out
    (chosen / "file-link").symlink_to(outside / "victim.txt")
    (chosen / "inner").mkdir()
    (chosen / "inner-link").symlink_to(chosen / "inner")
    root = chosen.resolve()
    assert destination(chosen, "result.txt") == root / "result.txt"
    assert destination(chosen, "new/deep/r.txt") == root / "new/deep/r.txt"
    assert destination(chosen, "inner-link/r.txt") == root / "inner/r.txt"
    for name in ("link/r.txt", "file-link", "../outside/r.txt", "/tmp/r.txt", ".", "inner/../../outside/x"):
        assert destination(chosen, name) is None, name
    assert os.listdir(outside) == []


def test_a_runs_result_carries_only_the_safe_names():
    """The one place every face (CLI, API, TUI) gets changed_files from."""
    from msc_tui.core.results import run_result
    from msc_tui.core.state import SessionRecord

    record = SessionRecord("abc123", "msc-dev-session-abc123", "img", "data_app")
    result = run_result(record, "/app/main.py", 0, "", "", changed=["out.csv", "/tmp/x", "../../../tmp/y", "a\x1bb"])
    assert result.changed_files == ["out.csv"] and result.as_dict()["changed_files"] == ["out.csv"]
