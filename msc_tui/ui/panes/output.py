"""The output pane (the Output tab): the exec log and the input line under it, the runs going
in the current session (this TUI's and anyone else's, followed live), and the files the last
run wrote. Whether a run is going is reactive: the footer's F6 and the tab's label follow it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, TabbedContent, TabPane

from ...core import returned_files
from ...core.results import RunResult
from ...core.run_input import RunInput
from ...core.state import SessionRecord
from ...core.terminal_env import terminal_env
from ...errors import MscError
from ...formatting import plural, run_closing, run_header
from ..dialogs import Confirm
from ..run_outcome import outcome_lines
from ..widgets.exec_log import ExecLog
from ..widgets.program_input import ProgramInputLine, asks_for_secret
from ..workers import guarded_work
from .editor import EditorPane
from .presence_line import OthersHere

if TYPE_CHECKING:
    from textual import getters
    from textual.app import ComposeResult

    from ..app import MscApp


class OutputPane(TabPane):
    if TYPE_CHECKING:  # Textual types self.app as a plain App; msc's panes are shown by MscApp
        app = getters.app(MscApp)

    # bindings=True: a change re-asks MainScreen.check_action, so F6 lights up or dims at once.
    controls: reactive[RunInput | None] = reactive(None, bindings=True, init=False)  # this TUI's run going
    others_runs: reactive[frozenset[int]] = reactive(frozenset(), bindings=True, init=False)  # elsewhere's

    def __init__(self, editor: EditorPane) -> None:
        super().__init__("Output", id="output-tab")
        self.editor = editor  # offered the code others run or save under its file's name
        self.log_view = ExecLog(id="exec-log")
        self.program_input = ProgramInputLine(id="program-input", disabled=True)
        self.container = ""  # the session followed
        self.going: dict[int, dict] = {}  # runs going in it (anyone's)
        self.results: tuple[str, list[str]] = ("", [])  # the last run's container and the files it wrote
        self.run_started = 0.0  # this TUI's run going: when it started (monotonic)
        self.others_here = OthersHere(self.log_view)  # the other clients in the session

    def compose(self) -> ComposeResult:
        yield self.log_view
        yield self.program_input

    def on_mount(self) -> None:
        self._clock = self.set_interval(0.5, self._label, pause=True)  # the seconds of a run going
        self.watch(self.log_view, "follows", self._label, init=False)
        self.watch(self.editor, "filename", self._now_editing, init=False)

    @property
    def stoppable(self) -> bool:
        """F6 can act: a run of this TUI's, or someone else's, is going here."""
        return self.controls is not None or bool(self.others_runs)

    def watch_controls(self, controls: RunInput | None) -> None:
        if controls is None:
            self._clock.pause()
        else:
            self._clock.resume()
        self._label()

    def watch_others_runs(self) -> None:
        self._label()

    def _label(self) -> None:
        """The tab says a run is going (with its time) and when the view stopped following."""
        label = "Output"
        if self.controls is not None:
            label += f" ● {time.monotonic() - self.run_started:.0f}s"
        elif self.others_runs:
            label += " ● pair"
        if not self.log_view.follows:
            label += " ⏸ End"
        try:
            tab = self.query_ancestor(TabbedContent).get_tab(self)
        except NoMatches:  # unmounting: a run's end may still report
            return
        if str(tab.label) != label:
            tab.label = label

    # -- this TUI's run ----------------------------------------------------------------------------
    async def run(self, session: Callable[[], Awaitable[SessionRecord]]) -> tuple[SessionRecord, RunResult] | None:
        """Run the editor's code in `session()` (made first when there is none), the program's
        input line live meanwhile; the record and the result, or None when it could not run."""
        log, line, screen = self.log_view, self.program_input, self.screen  # (the screen: kept, as it unmounts)
        focused = screen.focused
        if focused is not None and any(isinstance(a, TabPane) and a is not self for a in focused.ancestors):
            focused = log  # F5 from the Packages tab: back there, its focus would hide the output again
        self.run_started = time.monotonic()
        self.controls = RunInput()
        line.disabled = False
        line.focus()
        try:
            record = await session()
            project = await self.editor.project()
            if project:
                log.meta(f"project {project.root} ({project.why}): {plural(len(project.files), 'file')}")
            log.mark_run_start()
            self.run_started = time.monotonic()
            log.meta(f"> {self.editor.filename} in {record.container_name}")
            lines_before = log.total_lines
            code = self.editor.sending()
            result = await self.app.core.run(record, code, filename=self.editor.filename, on_output=self._output,
                                             stdin=self.controls, face="tui", on_notice=self._run_notice,
                                             project=project, env=terminal_env())  # the log shows colour
        except asyncio.CancelledError:
            log.meta("cancelled: the program's process tree was killed")
            raise
        except MscError as exc:
            log.meta(f"x {exc}")
            return None
        finally:
            self.controls = None
            if screen.focused is line and isinstance(focused, Widget) and focused.is_attached:
                # At once: a focused line, once disabled, would pull the focus (and the tab) to Output.
                screen.set_focus(focused)
            line.disabled = True
        log.flush(final=True)
        for closing in outcome_lines(result, log.total_lines - lines_before, self.app.core.settings):
            log.meta(closing)
        self.results = (record.container_name, result.changed_files)
        if result.changed_files:
            shown = ", ".join(result.changed_files[:8]) + (" ..." if len(result.changed_files) > 8 else "")
            log.meta(f"wrote {shown} - ctrl+g saves them into {Path.cwd()}")
        return record, result

    def _run_notice(self, kind: str, details: dict) -> None:
        if kind in ("warning", "project"):
            self.log_view.meta(("! " if kind == "warning" else "") + details["text"])
        for other in details.get("others", []):
            self.log_view.meta(f"! run {other['id']} by {other['by']} ({other['face']}) is going here too")

    def _output(self, stream: str, text: str) -> None:
        self.log_view.feed(stream, text)
        # a prompt for a password (getpass, in a session with no terminal, asks on stderr): the
        # input line hides what is typed, and it is never echoed into the log
        self.program_input.password = any(asks_for_secret(self.log_view.partial[s]) for s in ("stdout", "stderr"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.controls is not None:
            self.controls.send(event.value + "\n")
            # the echo a terminal would show; for a password, as with echo off, none
            self.log_view.feed("stdout", "\n" if self.program_input.password else event.value + "\n")
            self.program_input.value = ""
            self.program_input.password = False

    def on_program_input_line_end_of_input(self, event: ProgramInputLine.EndOfInput) -> None:
        if self.controls is not None:
            self.controls.eof()
            self.log_view.meta("(end of input sent)")

    # -- sessions made or restored: their progress in the log -----------------------------------------
    async def create_session(self, code: str, app_type: str | None = None) -> SessionRecord:
        """A new session (of the app type detected in `code` when none is given)."""
        self.log_view.meta("creating a session...")
        record = await self.app.core.sessions.create(app_type, code=code, on_log=self._build_line)
        self.log_view.meta(f"created {record.container_name} ({record.app_type}, {record.image})")
        return record

    async def restore_session(self, session: str, on_install: Callable[[str, str], None]) -> SessionRecord:
        """A removed session made again: its files back, its packages reinstalled (shown by `on_install`)."""
        self.log_view.meta(f"restoring session {session}...")
        record = await self.app.core.restore(session, self._build_line, on_install)
        self.log_view.meta(f"restored {record.container_name}: files back, "
                           f"{plural(len(record.installed_packages), 'package')} reinstalled")
        return record

    def _build_line(self, line: str) -> None:
        if line.startswith("Step "):
            self.log_view.meta(line)

    # -- runs anyone starts in the session -----------------------------------------------------------
    def follow(self, container: str) -> None:
        self.container = container
        self.going.clear()
        self.others_runs = frozenset()
        self.others_here.clear()
        self.follow_session(container)

    @guarded_work(exclusive=True, group="follow")
    async def follow_session(self, container: str) -> None:
        """Runs that anyone starts in the current session, live (a pair's runs show here too)."""
        log = self.log_view
        mine = self.app.core.runs.client
        first, told = True, self.editor.filename
        async for event in self.app.core.runs.follow(container, face="tui", editing=told):
            if event.kind == "presence":
                self.others_here.update(event.meta.get("present", []), mine, joined=not first)
                if first and self.editor.filename != told:  # another file opened while the stream opened
                    self._now_editing(self.editor.filename)
                first = False
            elif event.kind == "start":
                self.going[event.run_id] = event.meta
                if event.meta.get("client") != mine:
                    self.others_runs |= {event.run_id}
                    log.mark_run_start()
                    log.meta(run_header(event.meta))
                    self.editor.offer_other_code(event.meta.get("file"), event.meta.get("code", ""),
                                                 event.meta.get("by"))
            elif event.kind == "output" and event.run_id in self.others_runs:
                log.feed(event.stream, event.text)
            elif event.kind == "changed" and event.meta.get("file") == self.editor.filename:
                await self.editor.saved_elsewhere(container)
            elif event.kind == "end":
                self.going.pop(event.run_id, None)
                if event.run_id in self.others_runs:
                    self.others_runs -= {event.run_id}
                    log.meta(run_closing(event.meta))

    def _now_editing(self, filename: str) -> None:
        """The others in the session see the file this TUI has open (on a change only)."""
        if self.container:
            self.tell_editing(self.container, filename)

    @guarded_work(exclusive=True, group="editing")
    async def tell_editing(self, container: str, filename: str) -> None:
        await self.app.core.runs.records.now_editing(container, filename)

    def stop_others(self) -> None:
        """F6 with no run of this TUI's: the session's run someone else started, after asking."""
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
        if not await self.app.core.runs.stop(self.container, run_id):
            self.notify(f"run {run_id} had already ended")

    # -- the files the last run wrote ------------------------------------------------------------
    def get_results(self) -> None:
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
