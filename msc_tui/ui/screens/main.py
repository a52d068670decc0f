"""The main screen: live container table, code editor, exec log and install panel."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, TabbedContent, TabPane, TextArea

from ...core import returned_files
from ...core.apptypes import detect_app_type
from ...core.project import find_root, read_source, scan_project
from ...core.runs import RunInput, check_filename
from ...core.sessions import LABEL_SESSION, record_from_labels
from ...core.state import SessionRecord
from ...errors import MscError, NotFound
from ...formatting import plural, run_closing, run_header, size
from .. import run_activity
from ..dialogs import AskText, Confirm, PickOne, Unsaved
from ..run_activity import RunActivity
from ..widgets.code_editor import CodeEditor
from ..widgets.container_table import ContainerTable
from ..widgets.exec_log import ExecLog
from ..widgets.install_panel import InstallPanel
from ..widgets.program_input import ProgramInputLine
from ..workers import guarded_work
from .cleanup import CleanupScreen
from .details import DetailsScreen
from .picker import Choice, SessionPicker
from .runs import RunsScreen

if TYPE_CHECKING:
    from textual import getters

    from ..app import MscApp

STARTER_CODE = 'print("hello from msc")\n'
LOCAL_PATH = "a local path..."
AGE_REFRESH_S = 30  # "used 3m ago" cells age without any Docker call


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
    ]

    def __init__(self, show_picker: bool = True, local_path: Path | None = None):
        super().__init__()
        self.show_picker = show_picker
        self.current: SessionRecord | None = None
        self.filename = "main.py"
        # A local file (msc FILE, or ctrl+o's local path): ctrl+s saves it where it is, and F5
        # runs it with its project mirrored into the session, as `msc run FILE` does.
        self.local_path: Path | None = None
        self.opening = local_path
        self.include_all = False
        self.proposed: list[str] = []
        self.controls: RunInput | None = None  # this TUI's run going, if any
        self.going: dict[int, dict] = {}  # runs going in the current session (anyone's)
        self.others_runs: set[int] = set()  # of those, the ones started elsewhere (shown from the follower)
        self.others_code: str | None = None  # code someone else ran or saved under the open file's name
        self.sent_code: str | None = None  # what this TUI last saved or ran (its own changes)
        self.results: tuple[str, list[str]] = ("", [])  # the last run's container and the files it wrote
        self.run_started = 0.0  # this TUI's run going: when it started (monotonic)
        self._could_act = (False, False)  # F6, F9: whether they can act (the footer shows it)

    def compose(self) -> ComposeResult:
        # Kept as attributes, not queried: workers may still report while the screen unmounts.
        self.table = ContainerTable(clock=self.app.clock, id="containers")
        self.activity = RunActivity(self.table)
        # (Textual types code_editor's result as a TextArea; it is an instance of the class it is called on)
        self.editor = cast(CodeEditor, CodeEditor.code_editor(STARTER_CODE, language="python", id="editor"))
        self.log_view = ExecLog(id="exec-log")
        self.program_input = ProgramInputLine(id="program-input", disabled=True)
        self.panel = InstallPanel(id="install")
        with Vertical(id="table-pane"):
            yield self.table
        with Horizontal(id="work"):
            yield self.editor
            with TabbedContent(id="side"):
                with TabPane("Output", id="output-tab"):
                    yield self.log_view
                    yield self.program_input
                with TabPane("Packages", id="packages-tab"):
                    yield self.panel
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#table-pane").border_title = "Containers"
        self.query_one("#editor").border_title = self.filename
        if self.opening:
            self._open_local(str(self.opening))
        self.set_interval(0.05, self._flush_logs)
        self.set_interval(0.5, self._output_label)
        self.set_interval(AGE_REFRESH_S, self._age_cells)
        self.set_interval(run_activity.LOOK_EVERY_S, self.look_at_runs)
        self.connect()

    def _flush_logs(self) -> None:
        self.log_view.flush()
        self.panel.log_view.flush()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        """F6 and F9 are shown dimmed while they cannot act (nothing to stop, nothing to install)."""
        if action == "cancel_run":
            return True if self.controls is not None or self.others_runs else None
        if action == "install_proposed":
            return True if self.proposed else None
        return True

    def _output_label(self) -> None:
        """The Output tab says a run is going (with its time) and when the view stopped following."""
        label = "Output"
        if self.controls is not None:
            label += f" ● {time.monotonic() - self.run_started:.0f}s"
        elif self.others_runs:
            label += " ● pair"
        if not self.log_view.following:
            label += " ⏸ End"
        tab = self.query_one(TabbedContent).get_tab("output-tab")
        if str(tab.label) != label:
            tab.label = label
        can_act = (self.controls is not None or bool(self.others_runs), bool(self.proposed))
        if can_act != self._could_act:  # F6 and F9 dim or light up in the footer
            self._could_act = can_act
            self.refresh_bindings()

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is None or not self.maximize(self.focused):
            self.notify("focus a pane first (Tab), then F10 zooms it", severity="information")

    def _age_cells(self) -> None:
        with self.app.batch_update():
            for view in list(self.table.views.values()):
                self.table.upsert(view)

    def status(self, text: str | None = None) -> None:
        """The table's subtitle: an engine problem, or the endpoint and the row count."""
        if text is None and self.app.msc is not None:
            text = f"{self.app.core.engine.description} - {self.table.row_count} shown"
        self.query_one("#table-pane").border_subtitle = text or ""

    # -- engine: connect, list, follow events ----------------------------------------------------
    @guarded_work(exclusive=True, group="engine")
    async def connect(self) -> None:
        """Open the core and list, retrying until the engine answers; then follow its events."""
        while True:
            try:
                if self.app.msc is None:
                    await self.app.open_core()
                views = await self.relist()
                break
            except MscError as exc:
                self.status(f"{exc} - retrying")
                await asyncio.sleep(2)
        for warning in self.app.core.warnings:
            self.notify(warning, severity="warning")
        if self.show_picker and [v for v in views if v.record and v.container]:
            self.action_sessions()
        self.follow_events()

    async def relist(self):
        views = await self.app.core.sessions.views(include_all=self.include_all)
        self.table.reconcile(views)
        self.status()
        self.look_at_runs()
        return views

    @guarded_work(exclusive=True, group="events")
    async def follow_events(self) -> None:
        async for event in self.app.core.sessions.watch(self.include_all):
            try:
                await self.apply_event(event)
            except MscError:  # the engine went away meanwhile: a "lost" event follows
                self.status("engine unreachable - reconnecting...")

    async def apply_event(self, event) -> None:
        if event.kind == "lost":
            self.status("engine unreachable - reconnecting...")
        elif event.kind == "back":
            await self.relist()
            if self.current is not None:
                self.follow_session(self.current.container_name)
        elif event.action.startswith("exec_"):
            touched = self.activity.touched_by(event)
            if touched:
                self.look_at_runs({touched})
        elif event.name:
            view = await self.app.core.sessions.view(event.name)
            if view is None or (event.action == "destroy" and not view.record):
                self.table.discard(event.name)
            else:
                self.table.upsert(view)
            self.status()

    @guarded_work(group="activity")
    async def look_at_runs(self, names: set[str] | None = None) -> None:
        """The Run and Used columns from the sessions' run records (all shown, or these)."""
        if self.app.msc is not None:
            await self.activity.look(self.app.msc, names)

    async def refresh_row(self, name: str) -> None:
        """After a run or an install: record-only changes (last use, packages) fire no Docker
        event, and the disk size has changed; update the row here."""
        view = await self.app.core.sessions.view(name)
        if view is not None:
            self.table.upsert(view)
            self.fetch_size(name)  # in the background: the engine computes it
            self.look_at_runs({name})

    def action_toggle_all(self) -> None:
        if self.app.msc is None:  # still connecting: the reconnect worker must not be cancelled
            self.notify("not connected to the engine yet", severity="warning")
            return
        self.include_all = not self.include_all
        self.query_one("#table-pane").border_title = "All containers" if self.include_all else "Containers"
        self.refresh_listing()

    @guarded_work(exclusive=True, group="engine")
    async def refresh_listing(self) -> None:
        await self.relist()
        self.follow_events()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.table and event.row_key is not None:
            self.fetch_size(event.row_key.value)

    @guarded_work(exclusive=True, group="size")
    async def fetch_size(self, name: str) -> None:
        await asyncio.sleep(0.3)  # only for a row the cursor stays on
        view = await self.app.core.sessions.view(name, size=True)
        if view and view.container:
            self.table.set_size(name, view.container.size_rw)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table is self.table:
            view = self.table.views.get(event.row_key.value)  # type: ignore[arg-type]  # all rows have keys
            if view and view.record:
                self.use_session(view.record)
            elif view and view.container and LABEL_SESSION in view.container.labels:
                self.use_session(record_from_labels(view.container))  # a pair's session (F4 shows them)

    # -- sessions ------------------------------------------------------------------------------
    def use_session(self, record: SessionRecord, keep_editor: bool = False) -> None:
        """Work in this session. The editor keeps a local file, and unsaved text (with its file
        name): switching sessions never loses an edit; else it shows the session's last file."""
        self.current = record
        self.table.mark_current(record.container_name)
        if keep_editor or self.local_path or self.editor.modified:
            if self.editor.modified and not keep_editor:
                self.notify(f"kept your unsaved {self.filename}; F5 runs it in {record.container_name}")
        else:
            self.filename = record.session_files[-1] if record.session_files else "main.py"
            try:
                self.editor.load(self.app.core.sessions.files.read(record, self.filename))
            except NotFound:
                pass
        self._title()
        self.panel.show_packages(record.installed_packages)
        self.panel.log_view.clear()  # the installer's output of this session only
        self.panel.propose([])
        self.going.clear()
        self.others_runs.clear()
        self.follow_session(record.container_name)

    @guarded_work(exclusive=True, group="follow")
    async def follow_session(self, container: str) -> None:
        """Runs that anyone starts in the current session, live (a pair's runs show here too)."""
        log = self.log_view
        mine = self.app.core.runs.client
        async for event in self.app.core.runs.follow(container):
            if event.kind == "start":
                self.going[event.run_id] = event.meta
                if event.meta.get("client") != mine:
                    self.others_runs.add(event.run_id)
                    log.mark_run_start()
                    log.meta(run_header(event.meta))
                    self._other_code(event.meta.get("file"), event.meta.get("code", ""), event.meta.get("by"))
            elif event.kind == "output" and event.run_id in self.others_runs:
                log.feed(event.stream, event.text)
            elif event.kind == "changed" and event.meta.get("file") == self.filename:
                try:
                    code = await self.app.core.sessions.read_file(container, self.filename)
                except MscError:  # deleted meanwhile: nothing to offer
                    continue
                if code != self.sent_code:  # not this TUI's own save or run
                    self._other_code(self.filename, code, by=None)
            elif event.kind == "end":
                self.going.pop(event.run_id, None)
                if event.run_id in self.others_runs:
                    self.others_runs.discard(event.run_id)
                    log.meta(run_closing(event.meta))

    def _other_code(self, filename: str | None, code: str, by: str | None) -> None:
        """Someone else ran (by) or saved (by None) other code under the name open here:
        say so, never overwrite."""
        if filename == self.filename and code != self.editor.text and code != self.others_code:
            self.others_code = code
            what = f"{by} ran different code as" if by else "someone saved"
            self.notify(f"{what} {self.filename}; ctrl+l loads it (your text stays until you choose)",
                        severity="warning", timeout=8)

    def _title(self) -> None:
        where = f" - {self.current.container_name}" if self.current else ""
        name = f"{self.local_path} (local)" if self.local_path else self.filename
        mark = "● " if self.editor.modified else ""
        self.editor.border_title = mark + name + where
        self.editor.border_subtitle = "Esc: leave the editor" if self.editor.has_focus else ""

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self.editor:
            self._title()

    def on_descendant_focus(self, event) -> None:
        self._title()

    def on_descendant_blur(self, event) -> None:
        self._title()

    def unsaved_then(self, what: str, then) -> None:
        """`then()` at once when the editor's text is saved; else ask first: save, discard, cancel."""
        if not self.editor.modified:
            then()
            return
        can_save = self.local_path is not None or self.current is not None
        name = str(self.local_path) if self.local_path else self.filename

        async def answered(answer: str | None) -> None:
            if answer == "discard" or (answer == "save" and await self.save_now()):
                then()

        self.app.push_screen(Unsaved(name, what, can_save), answered)

    @guarded_work(exclusive=True, group="picker")
    async def action_sessions(self) -> None:
        if self.app.msc is None:
            return
        views = await self.app.core.sessions.views()
        detected = detect_app_type(self.editor.text, default=self.app.core.settings.default_app_type)
        choice = await self.app.push_screen_wait(SessionPicker(views, detected))
        if choice is not None:
            await self.apply_choice(choice)

    async def apply_choice(self, choice: Choice) -> None:
        sessions = self.app.core.sessions
        try:
            if choice.action == "reuse":
                record = sessions.resolve(choice.session)
                await sessions.ensure_running(record)
            elif choice.action == "restore":
                self.log_view.meta(f"restoring session {choice.session}...")
                record = await self.app.core.restore(choice.session, self._build_line, self.panel.log_view.feed)
                self.log_view.meta(f"restored {record.container_name}: files back, "
                                   f"{plural(len(record.installed_packages), 'package')} reinstalled")
            else:
                record = await self.create_session(choice.app_type)
        except MscError as exc:
            self.log_view.meta(f"x {exc}")
            return
        self.use_session(record)
        await self.relist()

    async def create_session(self, app_type: str | None = None) -> SessionRecord:
        self.log_view.meta("creating a session...")
        record = await self.app.core.sessions.create(app_type, code=self.editor.text, on_log=self._build_line)
        self.log_view.meta(f"created {record.container_name} ({record.app_type}, {record.image})")
        return record

    def _build_line(self, line: str) -> None:
        if line.startswith("Step "):
            self.log_view.meta(line)

    # -- runs ------------------------------------------------------------------------------------
    @guarded_work(exclusive=True, group="run")
    async def action_run(self) -> None:
        if self.app.msc is None:
            self.notify("no Docker Engine yet", severity="error")
            return
        log = self.log_view
        self.query_one(TabbedContent).active = "output-tab"
        focused = self.focused
        self.controls = RunInput()
        self.program_input.disabled = False
        self.program_input.focus()
        try:
            if self.current is None:  # the editor's text and file name go into the new session
                self.use_session(await self.create_session(), keep_editor=True)
                assert self.current is not None  # use_session made it current
            project = None
            if self.local_path:
                settings = self.app.core.settings
                project = await asyncio.to_thread(scan_project, self.local_path, settings.project_max_mb,
                                                  settings.project_max_files)
                self.filename = project.script
                log.meta(f"project {project.root} ({project.why}): {plural(len(project.files), 'file')}")
            log.mark_run_start()
            self.run_started = time.monotonic()
            log.meta(f"> {self.filename} in {self.current.container_name}")
            lines_before = log.total_lines
            self.sent_code = self.editor.text
            if not self.local_path:  # a run writes the session file: that text is saved
                self.editor.mark_saved()
                self._title()
            result = await self.app.core.run(self.current, self.editor.text, filename=self.filename,
                                            on_output=log.feed, stdin=self.controls, face="tui",
                                            on_notice=self._run_notice, project=project)
        except asyncio.CancelledError:
            log.meta("cancelled: the program's process tree was killed")
            raise
        except MscError as exc:
            log.meta(f"x {exc}")
            return
        finally:
            self.controls = None
            line = self.program_input
            if self.focused is line and focused is not None and focused.is_attached:
                # At once: a focused line, once disabled, would pull the focus (and the tab) to Output.
                self.set_focus(focused)
            line.disabled = True
        log.flush(final=True)
        state = "timed out" if result["timed_out"] else f"exit {result['exit_code']}"
        log.meta(f"{state} - {result['duration_s']:.2f}s - {plural(log.total_lines - lines_before, 'line')}")
        if result["disk_exceeded"]:
            log.meta(f"! stopped: the session has written {size(result['disk_exceeded'])}, over [limits] disk "
                     f"({self.app.core.settings.disk})")
        elif result["oom_killed"]:
            log.meta(f"! killed: out of memory (the session's limit is {self.app.core.settings.memory})")
        self.results = (self.current.container_name, result["changed_files"])
        if result["changed_files"]:
            shown = ", ".join(result["changed_files"][:8]) + (" ..." if len(result["changed_files"]) > 8 else "")
            log.meta(f"wrote {shown} - ctrl+g saves them into {Path.cwd()}")
        await self.refresh_row(self.current.container_name)
        self.proposed = result["missing_packages"]
        self.panel.propose(self.proposed, result["hints"])
        if self.proposed or result["hints"]:
            self.query_one(TabbedContent).active = "packages-tab"

    def _run_notice(self, kind: str, details: dict) -> None:
        if kind in ("warning", "project"):
            self.log_view.meta(("! " if kind == "warning" else "") + details["text"])
        for other in details.get("others", []):
            self.log_view.meta(f"! run {other['id']} by {other['by']} ({other['face']}) is going here too")

    def on_input_submitted(self, event) -> None:
        if event.input is self.program_input and self.controls is not None:
            self.controls.send(event.value + "\n")
            self.log_view.feed("stdout", event.value + "\n")  # the echo a terminal would show
            self.program_input.value = ""

    def on_program_input_line_end_of_input(self, event: ProgramInputLine.EndOfInput) -> None:
        if self.controls is not None:
            self.controls.eof()
            self.log_view.meta("(end of input sent)")

    def action_cancel_run(self) -> None:
        """F6: stop this TUI's run; else the session's run someone else started (after asking)."""
        if self.controls is not None:
            self.workers.cancel_group(self, "run")
            return
        others = [m for m in self.going.values() if m.get("client") != self.app.core.runs.client]
        if not others:  # it ended meanwhile
            return
        run = others[-1]
        question = (f"run {run['id']} of {run.get('file')} was started by {run.get('by')} ({run.get('face')}). "
                    "Stop it and kill its process tree?")
        self.app.push_screen(Confirm("Stop someone else's run?", question, yes="Stop it"),
                             lambda yes: yes and self.stop_other(run["id"]))

    @guarded_work(group="stop")
    async def stop_other(self, run_id: int) -> None:
        if not await self.app.core.runs.stop(self.current.container_name, run_id):  # type: ignore[union-attr]
            self.notify(f"run {run_id} had already ended")

    def action_runs(self) -> None:
        if self.current is None:
            self.notify("choose or create a session first (F2)", severity="warning")
            return
        self.app.push_screen(RunsScreen(self.current.container_name))

    def action_get_results(self) -> None:
        container, files = self.results
        if not files:
            self.notify("the last run wrote no files under /app", severity="information")
            return
        here = Path.cwd()
        clashing = [f for f in files if (here / f).exists()]
        if not clashing:
            self.save_results(container, files)
            return
        listed = "\n".join(f"  {f}" for f in clashing[:10]) + ("\n  ..." if len(clashing) > 10 else "")
        self.app.push_screen(Confirm(f"Overwrite {plural(len(clashing), 'file')} in {here}?", listed,
                                     yes="Overwrite"),
                             lambda ok: self.save_results(container, files if ok else
                                                          [f for f in files if f not in clashing]))

    @guarded_work(exclusive=True, group="results")
    async def save_results(self, container: str, files: list[str]) -> None:
        here = Path.cwd()
        saved, refused = await returned_files.save(self.app.core.copying, container, files, here)
        self.notify(f"saved {plural(len(saved), 'file')} into {here}" if saved else "nothing saved")
        if refused:
            self.notify(f"not saved (it would land outside {here}): {', '.join(refused[:5])}", severity="warning")

    def action_details(self) -> None:
        view = self.table.selected
        if view is None:
            self.notify("no container in the table", severity="warning")
            return
        self.app.push_screen(DetailsScreen(view.name))

    def action_load_other(self) -> None:
        if self.others_code is None:
            self.notify("nobody else ran other code under this file name", severity="information")
            return
        code, self.others_code = self.others_code, None
        if self.editor.text == code:
            return
        self.app.push_screen(Confirm("Load the other code?", f"Replace the text of {self.filename} in the editor "
                                     "with the code the other person ran? Your text is lost unless saved.",
                                     yes="Load it"),
                             lambda yes: self.editor.load(code) if yes else None)

    def action_install_proposed(self) -> None:  # enabled only with a proposal (check_action)
        self.install(self.proposed, rerun=True)

    def on_install_panel_install_requested(self, event: InstallPanel.InstallRequested) -> None:
        self.install(event.specs)

    @guarded_work(exclusive=True, group="install")
    async def install(self, specs: list[str], rerun: bool = False) -> None:
        if self.current is None:
            self.notify("choose or create a session first (F2)", severity="warning")
            return
        log = self.panel.log_view
        log.meta(f"installing {' '.join(specs)} into {self.current.container_name}")
        try:
            packages = await self.app.core.packages.install(self.current, specs, log.feed)
        except MscError as exc:
            log.meta(f"x {exc}")
            return
        log.meta("installed")
        self.panel.show_packages(packages)
        await self.refresh_row(self.current.container_name)
        self.panel.propose([])
        self.proposed = []
        if rerun:
            self.action_run()

    def action_packages(self) -> None:
        """The Packages tab; pressed there, back to the Output tab (a failed run's traceback)."""
        tabs = self.query_one(TabbedContent)
        if tabs.active == "packages-tab":
            tabs.active = "output-tab"
            self.log_view.focus()
            return
        tabs.active = "packages-tab"
        self.panel.query_one("#specs").focus()

    # -- files -------------------------------------------------------------------------------------
    @guarded_work(exclusive=True, group="file")
    async def action_save(self) -> None:
        await self.save_now()

    async def save_now(self) -> bool:
        """The editor's text into its local file, or into the session; False if it could not."""
        text = self.editor.text
        if self.local_path:
            try:
                await asyncio.to_thread(self.local_path.write_text, text)
            except OSError as exc:
                self.notify(f"{self.local_path}: cannot save it ({exc.strerror})", severity="error")
                return False
            self.notify(f"saved {self.local_path}")
        elif self.current is None:
            self.notify("choose or create a session first (F2)", severity="warning")
            return False
        else:
            self.sent_code = text
            try:
                await self.app.core.sessions.save(self.current, {self.filename: text})
            except MscError as exc:
                self.notify(str(exc), severity="error")
                return False
            self.notify(f"saved {self.filename} in {self.current.container_name}")
        self.editor.saved_text = text
        self._title()
        return True

    def action_open_file(self) -> None:
        self.unsaved_then("open another file", self._pick_file)

    def _pick_file(self) -> None:
        """Session files, the local project's Python files, or any local path."""
        choices = [LOCAL_PATH]
        if self.local_path:
            try:
                root = find_root(self.local_path)[0]
                names = scan_project(self.local_path, 200, 20000, cwd=root).files
                choices += sorted(str(root / name) for name in names if name.endswith(".py"))[:200]
            except MscError:  # a project over the limits: the path input still opens anything
                pass
        if self.current:
            choices += [f"session: {name}" for name in self.current.session_files]
        self.app.push_screen(PickOne("Open a file", choices), self._open)

    def _open(self, choice: str | None) -> None:
        if not choice:
            return
        if choice == LOCAL_PATH:
            self.app.push_screen(AskText("Open a local file", "a path, e.g. ~/work/app.py", str(Path.cwd()) + "/"),
                                 lambda path: self._open_local(path) if path else None)
        elif choice.startswith("session: "):
            self.local_path = None
            self.filename = choice.removeprefix("session: ")
            self.editor.load(self.app.core.sessions.files.read(self.current, self.filename))  # type: ignore[arg-type]
            self._title()
        else:
            self._open_local(choice)

    def _open_local(self, text: str) -> None:
        path = Path(text).expanduser().resolve()
        try:
            code = read_source(path)
        except MscError as exc:
            self.notify(str(exc), severity="error")
            return
        self.local_path, self.filename = path, path.name
        self.editor.load(code)
        self._title()

    def action_new_file(self) -> None:
        self.unsaved_then("start a new file",
                          lambda: self.app.push_screen(AskText("New file name", "e.g. helpers.py"), self._new_file))

    def _new_file(self, filename: str | None) -> None:
        if not filename:
            return
        try:
            self.filename = check_filename(filename if filename.endswith(".py") else filename + ".py")
        except MscError as exc:
            self.notify(str(exc), severity="error")
            return
        self.local_path = None  # a new session file
        self.editor.load("")
        self._title()

    # -- elsewhere -----------------------------------------------------------------------------------
    def action_cleanup(self) -> None:
        if self.app.msc is not None:
            self.app.push_screen(CleanupScreen())

    @guarded_work(exclusive=True, group="shell")
    async def action_shell(self) -> None:
        view = self.table.selected
        record = self.current or (view.record if view and view.record else None)
        docker = shutil.which("docker")
        if record is None or docker is None:
            self.notify("select a session (and have the docker CLI on PATH)", severity="warning")
            return
        await self.app.core.sessions.ensure_running(record)
        env = self.app.core.engine.cli_environment(dict(os.environ))
        with self.app.suspend():
            subprocess.call(self.app.core.sessions.shell_argv(record, docker), env=env)
