"""Keys a newcomer presses at the wrong moment: one clear answer, never a crash or a silent no-op."""

from __future__ import annotations

import asyncio

from msc_tui.ui.app import MscApp
from tests.ui.test_snapshots import make_app, settle


async def test_f4_while_still_connecting_says_so_and_keeps_connecting():
    async def never():
        await asyncio.Event().wait()

    app = MscApp(opener=never, show_picker=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("f4")
        await pilot.pause(0.3)
        assert app.is_running and app.screen.sessions.include_all is False
        assert any("not connected" in str(n.message) for n in app._notifications)
        assert any(w.group == "engine" and w.is_running for w in app.workers)  # the connect goes on


async def test_f6_and_f9_are_dimmed_while_they_cannot_act(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def dimmed(key: str) -> bool:
            return next(k for k in app.screen.query("FooterKey") if k.key == key).has_class("-disabled")

        assert dimmed("f6") and dimmed("f9")  # nothing runs, nothing to install
        await pilot.press("f9")
        await pilot.pause(0.2)
        assert app.is_running and app.screen.packages.proposed == []
        app.screen.packages.proposed = ["pyyaml"]  # as a failed run with a missing module leaves it
        await pilot.pause()  # the reactive re-asks check_action: nothing polls it
        await pilot.pause()
        assert not dimmed("f9") and dimmed("f6")
        app.screen.packages.proposed = []
        await pilot.pause()
        await pilot.pause()
        assert dimmed("f9")


async def test_the_palettes_quit_asks_like_ctrl_q(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        quit_commands = [c for c in app.get_system_commands(app.screen) if c.title == "Quit"]
        assert len(quit_commands) == 1
        quit_commands[0].callback()
        await pilot.pause(0.3)
        assert type(app.screen).__name__ == "QuitDialog" and app.is_running


async def test_the_table_marks_the_session_the_editor_works_in(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # use the highlighted session
        await settle(pilot)
        name = app.screen.current.container_name
        assert app.screen.table.get_cell(name, "name") == f"▶ {name}"
        others = [n for n in app.screen.table.views if n != name]
        assert others and all(not app.screen.table.get_cell(n, "name").startswith("▶") for n in others)


async def test_no_key_ends_the_app_while_the_engine_is_down_or_still_connecting():
    from msc_tui.errors import EngineUnreachable
    from msc_tui.ui.screens.main import MainScreen

    async def never():
        await asyncio.Event().wait()

    async def down():
        raise EngineUnreachable("no Docker Engine at unix:///nowhere.sock")

    keys = [k.strip() for b in [*MainScreen.BINDINGS, *MscApp.BINDINGS] for k in b.key.split(",")]
    keys += ["tab", "w", "slash", "n", "N", "s", "c", "y", "end", "ctrl+a", "enter"]
    for opener in (never, down):
        app = MscApp(opener=opener, show_picker=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.3)
            for key in keys:
                await pilot.press(key)
                await pilot.pause(0.05)
                while not isinstance(app.screen, MainScreen):  # a dialog a key opened: closed again
                    await pilot.press("escape")
                    await pilot.pause(0.05)
                assert app.is_running, (opener.__name__, key)
            assert any(w.group == "engine" and w.is_running for w in app.workers)  # still trying


async def test_f8_opens_the_shell_in_the_editors_session_not_the_selected_row(tmp_path, monkeypatch):
    import contextlib
    import subprocess

    calls = []
    monkeypatch.setattr(subprocess, "call", lambda argv, **kwargs: calls.append(argv) or 0)
    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/docker")
    app = make_app(tmp_path)
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)  # headless: nothing to hand over
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the first row becomes the current session
        await settle(pilot)
        current = app.screen.current.container_name
        app.screen.table.focus()
        await pilot.press("down")  # another row selected
        await settle(pilot)
        assert app.screen.table.selected.name != current
        await pilot.press("f8")
        await settle(pilot)
        assert calls and current in calls[0] and calls[0][:2] == ["/usr/bin/docker", "exec"]
