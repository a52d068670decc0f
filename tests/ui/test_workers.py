"""@guarded_work lets a worker whose screen is closing find nothing quietly (a race seen under
load: the Runs and Cleanup screens' workers, CI); a widget missing from a screen still shown
remains a loud failure."""

import asyncio

import pytest
from textual.app import App
from textual.screen import ModalScreen
from textual.widgets import Label
from textual.worker import WorkerFailed

from msc_tui.ui.workers import guarded_work


class Slow(ModalScreen):
    def __init__(self, answer: asyncio.Event):
        super().__init__()
        self.answer = answer

    def compose(self):
        yield Label("loading", id="title")

    def on_mount(self) -> None:
        self.load()

    @guarded_work(exclusive=True, group="slow")
    async def load(self) -> None:
        await self.answer.wait()  # the engine answers after the screen has closed
        self.query_one("#title", Label).update("loaded")


async def test_a_missing_widget_on_a_shown_screen_still_fails_loudly():
    answer = asyncio.Event()
    answer.set()
    screen = Slow(answer)
    screen.compose = lambda: iter(())  # no #title: a bug, not a race
    app = App()
    with pytest.raises(WorkerFailed, match="#title"):
        async with app.run_test() as pilot:
            app.push_screen(screen)
            await pilot.pause(0.2)


class Closing(ModalScreen):
    """A screen whose worker looks at its widgets after the app began to close (the test's end,
    or the user quitting while the Cleanup screen's survey was still going: CI)."""

    def compose(self):
        yield Label("loading", id="title")

    def on_mount(self) -> None:
        self.load()

    @guarded_work(exclusive=True, group="closing")
    async def load(self) -> None:
        while self.app.is_running or self.query("#title"):  # the app closing and this screen emptied
            await asyncio.sleep(0)
        self.query_one("#title", Label).update("loaded")


async def test_a_worker_that_outlives_its_apps_close_finds_nothing_quietly():
    app = App()
    async with app.run_test() as pilot:
        app.push_screen(Closing())
        await pilot.pause(0.1)
    assert app.return_code in (0, None)
