"""The session picker's title says what the list holds: a newcomer joining a pair (no session of
their own) saw "No session running" above the pair's running session."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Label

from msc_tui.core.ownership import OTHER_HOME
from msc_tui.core.views import SessionView
from msc_tui.engine.containers import ContainerInfo
from msc_tui.ui.screens.picker import SessionPicker


def pair_view(status: str = "running") -> SessionView:
    labels = {"msc.session": "b0b0b0", "msc.home": "/home/bob/.msc", "msc.user": "bob"}
    return SessionView(None, ContainerInfo(id="b" * 64, name="msc-dev-session-b0b0b0", image="msc-basic-9e8d7c6b5a40",
                                           status=status, labels=labels, created=0.0), owner=OTHER_HOME)


async def title_of(views: list[SessionView], run: bool = False) -> str:
    app: App = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(SessionPicker(views, "basic_app", run=run))
        await pilot.pause()
        return str(app.screen.query_one(".dialog-title", Label).render())


async def test_only_a_pairs_session_the_title_says_none_of_yours_and_offers_the_join():
    assert await title_of([pair_view()]) == "No session of yours running; join a pair's"
    assert await title_of([pair_view()], run=True) == "Run in which session? No session of yours running; join a pair's"


async def test_nothing_at_all_or_no_pair_is_no_session_running():
    assert await title_of([]) == "No session running"
