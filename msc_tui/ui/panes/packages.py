"""The packages pane (the Packages tab): the session's packages, installs, and the proposal a
missing-module failure leaves. The proposal is reactive: the footer's F9 follows it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.message import Message
from textual.reactive import reactive
from textual.widgets import TabPane

from ...core.state import SessionRecord
from ...errors import MscError
from ..widgets.install_panel import InstallPanel
from ..workers import guarded_work

if TYPE_CHECKING:
    from textual import getters
    from textual.app import ComposeResult

    from ..app import MscApp


class PackagesPane(TabPane):
    if TYPE_CHECKING:  # Textual types self.app as a plain App; msc's panes are shown by MscApp
        app = getters.app(MscApp)

    # What F9 would install (bindings=True: a change re-asks MainScreen.check_action, F9 dims or lights up)
    proposed: reactive[list[str]] = reactive(list, bindings=True, init=False)

    class Installed(Message):
        """An install finished in this session (its table row changed; F9 asks for a rerun)."""

        def __init__(self, container: str, rerun: bool) -> None:
            super().__init__()
            self.container = container
            self.rerun = rerun

    def __init__(self) -> None:
        super().__init__("Packages", id="packages-tab")
        self.panel = InstallPanel(id="install")
        self.session: SessionRecord | None = None  # where installs go

    def compose(self) -> ComposeResult:
        yield self.panel

    def switch_to(self, record: SessionRecord) -> None:
        self.session = record
        self.panel.show_packages(record.installed_packages)
        self.panel.log_view.clear()  # the installer's output of this session only
        self.panel.propose([])

    def on_show(self) -> None:
        self.read_packages()

    @guarded_work(exclusive=True, group="packages")
    async def read_packages(self) -> None:
        """Each time the tab is shown: what the session holds now, read from it (another msc, a
        pair, a shell may have installed or removed packages since)."""
        if self.session is not None and self.app.msc is not None:
            self.panel.show_packages(await self.app.core.packages.installed(self.session))

    def propose(self, distributions: list[str], hints: Sequence[str] = ()) -> None:
        """After a run: what would fix it, shown, and F9's to install."""
        self.proposed = distributions
        self.panel.propose(distributions, hints)

    def on_install_panel_install_requested(self, event: InstallPanel.InstallRequested) -> None:
        self.install(event.specs)

    @guarded_work(exclusive=True, group="install")
    async def install(self, specs: list[str], rerun: bool = False) -> None:
        if self.session is None:
            self.notify("choose or create a session first (F2)", severity="warning")
            return
        log = self.panel.log_view
        log.meta(f"installing {' '.join(specs)} into {self.session.container_name}")
        try:
            packages = await self.app.core.packages.install(self.session, specs, log.feed)
        except MscError as exc:
            log.meta(f"x {exc}")
            return
        log.meta("installed")
        self.panel.show_packages(packages)
        self.propose([])
        self.post_message(self.Installed(self.session.container_name, rerun))
