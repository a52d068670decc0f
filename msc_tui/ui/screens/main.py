"""The main screen: it composes the panes (table, editor, output, packages), holds the current
session, and routes the keys and the panes' messages between them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent

from ...core.apptypes import detect_app_type
from ...core.state import SessionRecord
from ...errors import MscError
from ..dialogs import AskText
from ..panes.editor import EditorPane
from ..panes.output import OutputPane
from ..panes.packages import PackagesPane
from ..panes.table import TablePane
from ..panes.work_area import WorkArea
from ..shell import open_shell
from ..workers import guarded_work
from .cleanup import CleanupScreen
from .details import DetailsScreen
from .joining import chosen_session
from .picker import Choice, SessionPicker
from .runs import RunsScreen

if TYPE_CHECKING:
    from textual import getters
    from textual.app import ComposeResult

    from ..app import MscApp


class MainScreen(Screen):
    if TYPE_CHECKING:  # Textual types self.app as a plain App; msc's screens are shown by MscApp
        app = getters.app(MscApp)

    # Below 120 columns the editor and the output would be narrower than ~60 columns side by side:
    # they stack (styles/msc.tcss), and F10 zooms whichever pane has the focus.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    # Priority: these win over the focused widget (TextArea binds F6/F7 to selections).
    BINDINGS = [
        Binding("f5", "run", "Run", id="main.run", priority=True),
        Binding("f6", "cancel_run", "Stop", id="main.cancel", priority=True),
        Binding("f9", "install_proposed", "Fix+rerun", id="main.fix", priority=True),
        Binding("f2", "sessions", "Sessions", id="main.sessions", priority=True),
        Binding("f7", "packages", "Pkgs", id="main.packages", priority=True),
        Binding("f10", "zoom", "Zoom the focused pane to the whole screen, and back", id="main.zoom",
                show=False, priority=True),
        Binding("f8", "shell", "Shell in the current session", id="main.shell", show=False, priority=True),
        Binding("f3", "cleanup", "Cleanup of old sessions, images, cache", id="main.cleanup", show=False,
                priority=True),
        # Less frequent: in the help screen and the command palette, not the footer.
        Binding("f4", "toggle_all", "Show all containers / msc's only", id="main.toggle_all", show=False,
                priority=True),
        Binding("ctrl+s", "save", "Save file into the session", id="main.save", show=False, priority=True),
        Binding("ctrl+o", "open_file", "Open a session file", id="main.open_file", show=False, priority=True),
        Binding("ctrl+n", "new_file", "New file", id="main.new_file", show=False, priority=True),
        Binding("ctrl+r", "runs", "Runs of this session (anyone's)", id="main.runs", show=False, priority=True),
        Binding("ctrl+g", "get_results", "Save the last run's written files into the folder msc started in",
                id="main.get_results", show=False, priority=True),
        Binding("ctrl+t", "details", "Details of the container selected in the table", id="main.details",
                show=False, priority=True),
        Binding("ctrl+l", "load_other", "Load the code someone else ran or saved under this file name",
                id="main.load_other", show=False, priority=True),
        # End does it in the output; End means something else in the other panes (enabled only
        # while the output does not follow: else ctrl+end is the focused widget's)
        Binding("ctrl+end", "follow_output", "Output: follow the end again, from any pane", id="main.follow",
                show=False, priority=True),
    ]

    # The session the editor, the output and the packages work in (its watcher tells the panes).
    current: reactive[SessionRecord | None] = reactive(None, always_update=True, init=False)

    def __init__(self, show_picker: bool = True, local_path: Path | None = None):
        super().__init__()
        self.show_picker = show_picker
        self.opening = local_path

    def compose(self) -> ComposeResult:
        # Kept as attributes, not queried: workers may still report while the screen unmounts.
        self.sessions = TablePane(clock=self.app.clock)
        self.editor = EditorPane.make()
        self.output = OutputPane(self.editor)
        self.packages = PackagesPane()
        self.side = TabbedContent(id="side")
        self.table, self.log_view = self.sessions.table, self.output.log_view
        yield self.sessions
        with WorkArea(self.output):
            yield self.editor
            with self.side:
                yield self.output
                yield self.packages
        self.footer = Footer(compact=True)
        yield self.footer

    def on_mount(self) -> None:
        if self.opening:  # `msc app.py`: to edit it first
            self.editor.open_local(str(self.opening))
            self.editor.focus()
        self.set_interval(0.05, self._flush_logs)
        self.watch(self.editor, "has_focus", self._editor_focus)

    def _editor_focus(self, focused: bool) -> None:
        """The editor keeps Tab (it indents), so its Esc is in the footer: in the room of the palette's
        hint, which 80 columns have not for both (ctrl+p still opens the palette; F1 lists it)."""
        self.footer.show_command_palette = not focused
        self.refresh_bindings()

    def _flush_logs(self) -> None:
        self.log_view.flush()
        self.packages.panel.log_view.flush()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """F6, F9 dimmed while they cannot act (the panes' reactives re-ask); ctrl+end only with a tail to follow."""
        if action == "cancel_run":
            return True if self.output.stoppable else None
        if action == "install_proposed":
            return True if self.packages.proposed else None
        if action == "follow_output":
            return None if self.log_view.follows else True
        return True

    # -- sessions ------------------------------------------------------------------------------
    def watch_current(self, record: SessionRecord | None) -> None:
        if record is not None:
            self.table.mark_current(record.container_name)
        self.editor.session = record

    def use_session(self, record: SessionRecord, keep_editor: bool = False) -> None:
        """Work in this session (the editor keeps unsaved text; see EditorPane.switch_to)."""
        self.current = record
        self.editor.switch_to(record, keep=keep_editor)
        self.packages.switch_to(record)
        self.output.follow(record.container_name)

    def on_table_pane_session_chosen(self, event: TablePane.SessionChosen) -> None:
        self.use_session(event.record)

    def on_table_pane_connected(self, event: TablePane.Connected) -> None:
        if self.show_picker and [v for v in event.views if v.record and v.container]:
            self.action_sessions(then_edit=True)

    def on_table_pane_engine_back(self) -> None:
        if self.current is not None:
            self.output.follow_session(self.current.container_name)

    @guarded_work(exclusive=True, group="picker")
    async def action_sessions(self, run: bool = False, then_edit: bool = False) -> None:
        """F2's picker; F5's (`run`), or F5 pressed in it: the code runs in the session picked."""
        if self.app.msc is None:
            return
        views = [v for v in await self.app.core.sessions.views(include_all=True)  # a pair's too, to join
                 if not v.in_pool]  # (the warm pool's are taken by a new session)
        detected = detect_app_type(self.editor.text, default=self.app.core.settings.default_app_type)
        choice = await self.app.push_screen_wait(SessionPicker(views, detected, run=run))
        if choice is not None and await self.apply_choice(choice) and choice.run:
            self.action_run()
        elif choice is not None and then_edit:  # the picker at start: its file is in the editor, so are the keys
            self.editor.focus()

    async def apply_choice(self, choice: Choice) -> bool:
        try:
            record = await chosen_session(self, choice)
        except MscError as exc:
            self.log_view.meta(f"x {exc}")
            return False
        self.use_session(record)
        await self.sessions.relist()
        return True

    @guarded_work(exclusive=True, group="picker")
    async def action_join_by_id(self) -> None:
        """The palette's "Join a session by id": a pair tells you theirs."""
        ref = await self.app.push_screen_wait(AskText("Join a session", "its id or name, e.g. 3bbc42"))
        if ref:
            await self.apply_choice(Choice("join", ref.strip()))

    def action_toggle_all(self) -> None:
        self.sessions.toggle_all()

    # -- runs and packages ---------------------------------------------------------------------------
    @guarded_work(exclusive=True, group="run")
    async def action_run(self) -> None:
        if self.app.msc is None:
            self.notify("no Docker Engine yet", severity="error")
            return
        if self.current is None and any(v.record and v.container for v in self.table.views.values()):
            self.action_sessions(run=True)  # which of this home's sessions (or a new one): asked, not assumed
            return
        self.side.active = "output-tab"
        ran = await self.output.run(self._session_for_run)
        if ran is None:
            return
        record, result = ran
        await self.sessions.refresh_row(record.container_name)
        self.packages.propose(result.missing_packages, result.hints)
        if result.missing_packages or result.hints:
            self.side.active = "packages-tab"

    async def _session_for_run(self) -> SessionRecord:
        """The current session; with none, a new one that the editor's text and file name go into."""
        if self.current is None:
            self.use_session(await self.output.create_session(self.editor.text), keep_editor=True)
            assert self.current is not None  # use_session made it current
        return self.current

    def action_cancel_run(self) -> None:
        """F6: stop this TUI's run; else the session's run someone else started (after asking)."""
        if self.output.controls is not None:
            self.workers.cancel_group(self, "run")
        else:
            self.output.stop_others()

    def action_install_proposed(self) -> None:  # enabled only with a proposal (check_action)
        self.packages.install(self.packages.proposed, rerun=True)

    async def on_packages_pane_installed(self, event: PackagesPane.Installed) -> None:
        await self.sessions.refresh_row(event.container)
        if event.rerun:
            self.action_run()

    def action_packages(self) -> None:
        """The Packages tab; pressed there, back to the Output tab (a failed run's traceback)."""
        if self.side.active == "packages-tab":
            self.side.active = "output-tab"
            if self.focused is None or self.packages in self.focused.ancestors_with_self:
                self.editor.focus()  # to fix the code: typed into the log, its one-letter keys (c clears) act
            return
        self.side.active = "packages-tab"
        self.packages.panel.query_one("#specs").focus()

    def action_follow_output(self) -> None:
        self.side.active = "output-tab"
        self.log_view.action_follow()
        if self.focused is self.editor:  # the key is the editor's "to the last line" too
            self.editor.action_document_edge(True)

    def action_get_results(self) -> None:
        self.output.get_results()

    # -- files -------------------------------------------------------------------------------------
    def action_save(self) -> None:
        self.editor.save()

    def action_open_file(self) -> None:
        self.editor.open_file()

    def action_new_file(self) -> None:
        self.editor.new_file()

    def action_load_other(self) -> None:
        self.editor.load_other()

    # -- elsewhere -----------------------------------------------------------------------------------
    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is None or not self.maximize(self.focused):
            self.notify("focus a pane first (Tab), then F10 zooms it", severity="information")

    def action_runs(self) -> None:
        if self.current is None:
            self.notify("choose or create a session first (F2)", severity="warning")
            return
        self.app.push_screen(RunsScreen(self.current.container_name), self.editor.take_run)

    def action_details(self) -> None:
        view = self.table.selected
        if view is None:
            self.notify("no container in the table", severity="warning")
            return
        self.app.push_screen(DetailsScreen(view.name))

    def action_cleanup(self) -> None:
        if self.app.msc is not None:
            self.app.push_screen(CleanupScreen())

    @guarded_work(exclusive=True, group="shell")
    async def action_shell(self) -> None:
        view = self.table.selected
        await open_shell(self.app, self.current or (view.record if view and view.record else None))
