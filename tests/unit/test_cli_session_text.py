"""The CLI's other places that print text from a session: tables, notes, error lines, streams."""

from __future__ import annotations

import argparse

from msc_tui.cli import failed, msc_run
from msc_tui.cli.render import table
from msc_tui.cli.safe_output import SafeStreams
from msc_tui.cli.session_commands import LS_DROPPABLE

TITLE = "\x1b]0;pwned\x07"


def test_table_cells_show_control_characters_unless_raw():
    rows = [{"path": f"a{TITLE}.txt", "size": 3, "by": "eve\r\nfake line"}]
    shown = table(rows, ["path", "by"])
    assert "a^[]0;pwned^G.txt" in shown and "eve^M^Jfake line" in shown and "\x1b" not in shown
    assert f"a{TITLE}.txt" in table(rows, ["path", "by"], raw=True)


def test_msc_ls_fits_an_80_column_terminal_by_leaving_out_what_the_name_and_json_tell():
    row = {"name": "msc-dev-session-811ec9", "session": "811ec9", "app_type": "basic_app",
           "image": "msc-basic-6a0dde1c8053", "status": "running", "created": None, "last_used": None,
           "going": "ann@devbox", "packages": 3}
    columns = ["name", "session", "app_type", "image", "status", "created", "last_used", "going", "packages"]
    assert "IMAGE" in table([row], columns)  # a pipe (no terminal width) gets every column
    fitted = table([row], columns, width=80, droppable=LS_DROPPABLE)
    assert all(len(line) <= 80 for line in fitted.splitlines())
    assert "msc-dev-session-811ec9" in fitted and "ann@devbox" in fitted and "IMAGE" not in fitted
    assert "IMAGE" in table([row], columns, width=200, droppable=LS_DROPPABLE)


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


def test_a_cli_follower_is_told_who_joins_opens_another_file_and_leaves(capsys):
    import asyncio

    from msc_tui.cli.run_records import _print_events
    from msc_tui.core.run_history import RunEvent

    def present(*people: tuple[str, str]) -> RunEvent:
        return RunEvent("presence", 0, meta={"present": [
            {"by": by, "face": "tui", "what": what, "client": by, "since": 1.0} for by, what in people]})

    async def events():
        yield present(("ann@vm", "editing a.py"))  # here already: not said
        yield present(("ann@vm", "editing a.py"), ("bob@vm", "following"))
        yield present(("ann@vm", "editing b.py"), ("bob@vm", "following"))
        yield present(("ann@vm", "editing b.py"), ("bob@vm", f"editing {TITLE}"))
        yield present(("ann@vm", "editing b.py"))

    args = argparse.Namespace(json=False, follow=True, raw=False)
    asyncio.run(_print_events(args, events(), {}, {}, "me"))
    assert capsys.readouterr().err.splitlines() == [
        "bob@vm joined (tui)", "ann@vm (tui) is editing b.py", "bob@vm (tui) is editing ^[]0;pwned^G", "bob@vm left"]
