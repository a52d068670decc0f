"""Finding the pair's session in F4's table (issue #25): whose each row is, `/` to filter, and
a selection that stays on its container while rows come, go or sort."""

from __future__ import annotations

import asyncio

import pytest

from msc_tui.core.activity import Activity
from msc_tui.engine.containers import ContainerInfo
from tests.ui.fake_engine import FROZEN_NOW
from tests.ui.test_snapshots import make_app, settle

BOBS = "msc-dev-session-b0b0b0"


def column(table, key: str) -> dict[str, str]:
    """The cells of one column, by row (container name)."""
    return {row.value: str(table.get_cell(row, key)) for row in table.rows}


def shown_names(table) -> list[str]:
    return [str(table.get_row_at(i)[0]).split(" ")[-1] for i in range(table.row_count)]


async def all_containers(pilot):
    await settle(pilot)
    await pilot.press("f4")
    await settle(pilot)
    table = pilot.app.screen.table
    table.focus()
    return table


@pytest.mark.parametrize("width", [80, 120])
async def test_f4_shows_whose_each_session_is_and_the_table_fits(tmp_path, width):
    app = make_app(tmp_path)
    async with app.run_test(size=(width, 24)) as pilot:
        table = await all_containers(pilot)
        owners = column(table, "owner")
        assert owners["msc-dev-session-a1b2c3"] == "you" and owners[BOBS] == "bob" and owners["postgres-dev"] == "-"
        # a run of bob's there names his host: the owner is shown as the run headers show him
        view = table.views[BOBS]
        view.activity = Activity([], {"id": 3, "by": "bob@devbox", "face": "tui", "file": "main.py",
                                      "started_at": FROZEN_NOW - 60, "ended_at": FROZEN_NOW - 50,
                                      "state": "done", "exit_code": 0})
        table.upsert(view)
        await pilot.pause()
        assert column(table, "owner")[BOBS] == "bob@devbox"
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no column cut off
        await pilot.press("f4")  # msc's own only: no Owner column
        await settle(pilot)
        assert "owner" not in table.shown_columns and "age" in table.shown_columns


async def test_slash_filters_by_name_id_or_owner_and_esc_clears(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await all_containers(pilot)
        every = shown_names(table)
        await pilot.press("slash", *"bob")
        await pilot.pause()
        assert shown_names(table) == [BOBS]
        await pilot.press("enter")  # back to the rows, the filter kept
        await pilot.pause()
        assert app.focused is table and shown_names(table) == [BOBS]
        await pilot.press("escape")
        await pilot.pause()
        assert shown_names(table) == every
        await pilot.press("slash", *"d4e5")  # a session id
        await pilot.pause()
        assert shown_names(table) == ["msc-dev-session-d4e5f6"]
        await pilot.press("escape")  # from the filter line too
        await pilot.pause()
        assert shown_names(table) == every and app.focused is table
        await pilot.press("slash", "left_square_bracket", "slash", "b")  # typed text, never markup
        await pilot.pause()
        subtitle = app.screen.sessions.border_subtitle.replace("\\", "")  # (read back as escaped markup)
        assert shown_names(table) == [] and "(/[/b; esc clears)" in subtitle


async def test_the_selection_stays_on_its_container_and_enter_joins_it(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await all_containers(pilot)
        while table.selected.name != BOBS:
            await pilot.press("down")
        row_before = table.cursor_row
        # a new session of this home appears: the newest, it becomes the top row
        engine = app.msc.engine
        engine.containers.infos["msc-dev-session-n3w000"] = ContainerInfo(
            id="9" * 64, name="msc-dev-session-n3w000", image="msc-basic-9e8d7c6b5a40", status="running",
            labels={"msc.session": "n3w000", "msc.home": str(tmp_path), "msc.app_type": "basic_app"},
            created=FROZEN_NOW)
        await app.screen.sessions.relist()
        await pilot.pause()
        assert table.cursor_row == row_before + 1 and table.selected.name == BOBS
        await pilot.press("s")  # sorted by name
        await pilot.pause()
        assert table.selected.name == BOBS
        table.discard("msc-dev-session-d4e5f6")  # a row above it goes
        await pilot.pause()
        assert table.selected.name == BOBS
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.current.container_name == BOBS
        name_cell = str(table.get_cell(BOBS, "name"))
        assert name_cell.startswith("▶") and "⇄" in name_cell  # current, and still a pair's


@pytest.mark.parametrize("others", [False, True], ids=["mine", "with-owners"])
async def test_a_long_user_at_host_is_cut_and_the_table_fits_80_columns(tmp_path, others):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await all_containers(pilot) if others else pilot.app.screen.table
        await settle(pilot)
        name = "msc-dev-session-a1b2c3"
        exited = table.views["msc-dev-session-d4e5f6"]  # a wider Size cell elsewhere: less room for Run
        table.sizes[exited.name] = "1023.9KB"
        table.upsert(exited)
        await pilot.pause()
        view = table.views[name]
        long_one = "someone-with-a-long-name@build-host-17.example.org"
        view.activity = Activity([long_one], {"id": 3, "by": long_one, "face": "tui", "file": "main.py",
                                              "started_at": FROZEN_NOW - 60, "ended_at": None,
                                              "state": "going", "exit_code": None})
        table.upsert(view)
        await pilot.pause()
        run = column(table, "run")[name]
        assert run.endswith("…") and long_one.startswith(run[:-1]) and len(run) >= 6
        assert table.virtual_size.width <= table.scrollable_content_region.width, table.virtual_size


async def test_a_slow_read_never_puts_back_a_row_an_event_replaced(tmp_path, monkeypatch):
    """A look at the run records and the refresh after a run read the engine, slowly under load;
    when the container is removed meanwhile, the removal's row ("missing") stays, not the stale
    read's "running" (seen on Podman beside the suite: the row said running for good)."""
    from msc_tui.engine.events import EngineEvent

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane, name = app.screen.sessions, "msc-dev-session-a1b2c3"
        assert pane.table.views[name].status == "running"
        release = asyncio.Event()
        real_history, real_view = app.msc.runs.history, app.msc.sessions.view

        async def slow_history(container):
            await release.wait()
            return await real_history(container)

        async def slow_view(container, size=False):
            read = await real_view(container, size)
            await release.wait()
            return read

        monkeypatch.setattr(app.msc.runs, "history", slow_history)
        monkeypatch.setattr(app.msc.sessions, "view", slow_view)
        reads = [asyncio.create_task(pane.activity.look(app.msc, {name})),
                 asyncio.create_task(pane.refresh_row(name))]
        await pilot.pause()  # both have read "running" and wait
        monkeypatch.setattr(app.msc.sessions, "view", real_view)
        del app.msc.engine.containers.infos[name]  # removed behind msc's back
        await pane.apply_event(EngineEvent("container", "destroy", "1" * 64, name))
        assert pane.table.views[name].status == "missing"
        release.set()
        await asyncio.gather(*reads)
        await pilot.pause()
        assert pane.table.views[name].status == "missing"
        assert column(pane.table, "status")[name] == "missing"
