"""The CLI's other places that print text from a session: tables, notes, error lines, streams."""

from __future__ import annotations

import argparse

from msc_tui.cli import failed, msc_run
from msc_tui.cli.render import table
from msc_tui.cli.safe_output import SafeStreams

TITLE = "\x1b]0;pwned\x07"


def test_table_cells_show_control_characters_unless_raw():
    rows = [{"path": f"a{TITLE}.txt", "size": 3, "by": "eve\r\nfake line"}]
    shown = table(rows, ["path", "by"])
    assert "a^[]0;pwned^G.txt" in shown and "eve^M^Jfake line" in shown and "\x1b" not in shown
    assert f"a{TITLE}.txt" in table(rows, ["path", "by"], raw=True)


def test_a_note_about_anothers_run_shows_its_forged_fields(capsys):
    msc_run._notice("started", {"others": [{"id": 3, "by": f"eve{TITLE}", "face": "cli", "file": "\x1b[2Jx.py"}]})
    msc_run._notice("warning", {"text": f"disk{TITLE}"})
    err = capsys.readouterr().err
    assert "run 3 by eve^[]0;pwned^G (cli, ^[[2Jx.py)" in err and "warning: disk^[]0;pwned^G" in err
    assert "\x1b" not in err and "\x07" not in err


def test_an_error_line_quoting_the_session_shows_it_as_text(capsys):
    assert failed(argparse.Namespace(json=False), f"cannot list /app ({TITLE})", 4) == 4
    assert capsys.readouterr().err == "msc: cannot list /app (^[]0;pwned^G)\n"


def test_streams_are_filtered_apart_and_a_held_escape_is_shown_at_the_end(capsys):
    output = SafeStreams()
    output("stdout", "a\x1b")
    output("stderr", "]0;t\x07")  # another stream's chunk does not complete stdout's sequence
    output("stdout", "[31mred")
    output.finish()
    captured = capsys.readouterr()
    assert captured.out == "a\x1b[31mred" and captured.err == "]0;t^G"
    raw = SafeStreams(raw=True)
    raw("stdout", TITLE)
    assert capsys.readouterr().out == TITLE
