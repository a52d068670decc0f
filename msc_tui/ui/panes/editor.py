"""The editor pane: the code and the file it belongs to (a session file, or a local file where
it is), its title, saving, opening and starting files, and code someone else ran or saved
under its name (offered, never forced)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import TextArea

from ...core.project import Project, read_source, scan_project
from ...core.run_input import check_filename
from ...core.state import SessionRecord
from ...errors import MscError, NotFound
from ..dialogs import AskText, Confirm, PickOne, Unsaved
from ..widgets.code_editor import CodeEditor
from ..workers import guarded_work
from .file_choices import LOCAL_PATH, file_choices

if TYPE_CHECKING:
    from textual import getters

    from ..app import MscApp

STARTER_CODE = 'print("hello from msc")\n'


class EditorPane(CodeEditor):
    if TYPE_CHECKING:  # Textual types self.app as a plain App; msc's panes are shown by MscApp
        app = getters.app(MscApp)

    # Tab indents here, so the footer says how the focus leaves (TextArea itself moves it on Esc;
    # shift+tab goes back to the table).
    BINDINGS = [Binding("escape", "leave", "Leave editor", id="editor.leave")]

    filename: reactive[str] = reactive("main.py")
    # A local file (msc FILE, or ctrl+o's local path): ctrl+s saves it where it is, and F5
    # runs it with its project mirrored into the session, as `msc run FILE` does.
    local_path: reactive[Path | None] = reactive(None)
    session: reactive[SessionRecord | None] = reactive(None, always_update=True)  # the one it runs in

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.others_code: str | None = None  # code someone else ran or saved under the open file's name
        self.sent_code: str | None = None  # what this TUI last saved or ran (its own changes)

    @classmethod
    def make(cls) -> EditorPane:
        editor = cls.code_editor(STARTER_CODE, language="python", id="editor")
        assert isinstance(editor, cls)  # (Textual types the result as a TextArea; it is made by cls)
        return editor

    def action_leave(self) -> None:
        self.screen.focus_next()

    # -- the title: which file, where it runs, unsaved, how to leave --------------------------------
    def _title(self) -> None:
        where = f" - {self.session.container_name}" if self.session else ""
        name = f"{self.local_path} (local)" if self.local_path else self.filename
        mark = "● " if self.modified else ""
        self.border_title = mark + name + where
        self.border_subtitle = "Esc: leave the editor" if self.has_focus else ""

    def watch_filename(self) -> None:
        self._title()

    def watch_local_path(self) -> None:
        self._title()

    def watch_session(self) -> None:
        self._title()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._title()

    def watch_has_focus(self, has_focus: bool) -> None:  # the subtitle says how to leave
        super().watch_has_focus(has_focus)
        self._title()

    def load(self, text: str) -> None:
        super().load(text)
        self._title()

    def mark_saved(self) -> None:
        super().mark_saved()
        self._title()

    # -- sessions and runs ---------------------------------------------------------------------
    def switch_to(self, record: SessionRecord, keep: bool = False) -> None:
        """The editor keeps a local file, and unsaved text (with its file name): switching
        sessions never loses an edit; else it shows the session's last file."""
        if keep or self.local_path or self.modified:
            if self.modified and not keep:
                self.notify(f"kept your unsaved {self.filename}; F5 runs it in {record.container_name}")
            return
        self.filename = record.session_files[-1] if record.session_files else "main.py"
        try:
            self.load(self.app.core.session_file(record, self.filename))
        except NotFound:
            pass

    async def project(self) -> Project | None:
        """A local file's project, scanned as `msc run FILE` does (None for a session file)."""
        if not self.local_path:
            return None
        settings = self.app.core.settings
        project = await asyncio.to_thread(scan_project, self.local_path, settings.project_max_mb,
                                          settings.project_max_files)
        self.filename = project.script
        return project

    def sending(self) -> str:
        """The text a run is about to send (a run writes the session file: that text is saved)."""
        self.sent_code = self.text
        if not self.local_path:
            self.mark_saved()
        return self.text

    def offer_other_code(self, filename: str | None, code: str, by: str | None) -> None:
        """Someone else ran (by) or saved (by None) other code under the name open here:
        say so, never overwrite."""
        if filename == self.filename and code != self.text and code != self.others_code:
            self.others_code = code
            what = f"{by} ran different code as" if by else "someone saved"
            self.notify(f"{what} {self.filename}; ctrl+l loads it (your text stays until you choose)",
                        severity="warning", timeout=8)

    async def saved_elsewhere(self, container: str) -> None:
        """The open file changed in the session: offered when it is not this TUI's own save or run."""
        try:
            code = await self.app.core.sessions.read_file(container, self.filename)
        except MscError:  # deleted meanwhile: nothing to offer
            return
        if code != self.sent_code:
            self.offer_other_code(self.filename, code, by=None)

    def load_other(self) -> None:
        if self.others_code is None:
            self.notify("nobody else ran other code under this file name", severity="information")
            return
        code, self.others_code = self.others_code, None
        if self.text == code:
            return
        self.app.push_screen(Confirm("Load the other code?", f"Replace the text of {self.filename} in the editor "
                                     "with the code the other person ran? ctrl+z brings your text back.",
                                     yes="Load it"),
                             lambda yes: self._take_other(code) if yes else None)

    def _take_other(self, code: str) -> None:
        """The session's file already holds the pair's code (their run or save wrote it): saved.
        A local file on disk still holds the old code: modified (●, asked about on quit) until
        ctrl+s."""
        self._replace_all(code, saved=code if self.local_path is None else self.saved_text)

    def _replace_all(self, code: str, saved: str) -> None:
        """An edit (ctrl+z brings the old text back); `saved`: what the file holds."""
        self.replace(code, (0, 0), self.document.end)
        self.saved_text = saved
        self._title()

    def take_run(self, run: tuple[str, str] | None) -> None:
        if run is not None:  # `l` in the Runs view: that run's file and code
            self.load_run(*run)

    def load_run(self, filename: str, code: str) -> None:
        """A run's code from the Runs view: into the open file when the run was of it (unsaved
        until ctrl+s, unless it is the same), else that session file opened, after asking about
        unsaved text."""
        if filename == self.filename:
            self._replace_all(code, saved=self.saved_text)
            return
        try:
            name = check_filename(filename)
        except MscError as exc:
            self.notify(str(exc), severity="error")
            return
        self.unsaved_then(f"open {name} with run's code", lambda: self._open_run_file(name, code))

    @guarded_work(exclusive=True, group="file")
    async def _open_run_file(self, name: str, code: str) -> None:
        saved = ""  # what the session's file holds (nothing: it was removed, or no session)
        if self.session:
            try:
                saved = await self.app.core.sessions.read_file(self.session.container_name, name)
            except MscError:
                pass
        self.local_path, self.filename = None, name
        self.load(saved)
        self._replace_all(code, saved=saved)

    # -- files -------------------------------------------------------------------------------------
    @guarded_work(exclusive=True, group="file")
    async def save(self) -> None:
        await self.save_now()

    async def save_now(self) -> bool:
        """The text into its local file, or into the session; False if it could not."""
        text = self.text
        if self.local_path:
            try:
                await asyncio.to_thread(self.local_path.write_text, text)
            except OSError as exc:
                self.notify(f"{self.local_path}: cannot save it ({exc.strerror})", severity="error")
                return False
            self.notify(f"saved {self.local_path}")
        elif self.session is None:
            self.notify("choose or create a session first (F2)", severity="warning")
            return False
        else:
            self.sent_code = text
            try:
                await self.app.core.sessions.save(self.session, {self.filename: text})
            except MscError as exc:
                self.notify(str(exc), severity="error")
                return False
            self.notify(f"saved {self.filename} in {self.session.container_name}")
        self.saved_text = text
        self._title()
        return True

    def unsaved_then(self, what: str, then: Callable[[], object]) -> None:
        """`then()` at once when the text is saved; else ask first: save, discard, cancel."""
        if not self.modified:
            then()
            return
        can_save = self.local_path is not None or self.session is not None
        name = str(self.local_path) if self.local_path else self.filename

        async def answered(answer: str | None) -> None:
            if answer == "discard" or (answer == "save" and await self.save_now()):
                then()

        self.app.push_screen(Unsaved(name, what, can_save), answered)

    def open_file(self) -> None:
        self.unsaved_then("open another file", self._pick_file)

    def _pick_file(self) -> None:
        self.app.push_screen(PickOne("Open a file", file_choices(self.local_path, self.session)), self._open)

    def _open(self, choice: str | None) -> None:
        if not choice:
            return
        if choice == LOCAL_PATH:
            self.app.push_screen(AskText("Open a local file", "a path, e.g. ~/work/app.py", str(Path.cwd()) + "/"),
                                 lambda path: self.open_local(path) if path else None)
        elif choice.startswith("session: "):
            self.local_path = None
            self.filename = choice.removeprefix("session: ")
            self.load(self.app.core.session_file(self.session, self.filename))  # type: ignore[arg-type]
        else:
            self.open_local(choice)

    def open_local(self, text: str) -> None:
        path = Path(text).expanduser().resolve()
        try:
            code = read_source(path)
        except MscError as exc:
            self.notify(str(exc), severity="error")
            return
        self.local_path, self.filename = path, path.name
        self.load(code)

    def new_file(self) -> None:
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
        self.load("")
