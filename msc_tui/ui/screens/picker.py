"""The session picker, a modal: reuse a session, make a new one (type changeable), or restore one.
Opened by F5 with no session yet, or with F5 pressed in it, the code runs in the session picked."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Select
from textual.widgets.option_list import Option

from ...config import APP_TYPES
from ...core.ownership import OTHER_HOME
from ...core.terminal_text import visible_name
from ...core.views import SessionView
from ...formatting import plural


@dataclass
class Choice:
    action: str  # "reuse", "new", "restore" or "join" (a pair's session, by id or name)
    session: str = ""
    app_type: str = ""
    run: bool = False  # run the editor's code there once it is ready


class SessionPicker(ModalScreen[Choice | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel"),
                Binding("n", "new", "New session", id="picker.new"),
                Binding("f5", "run_there", "Run in the highlighted session", id="picker.run")]

    def __init__(self, views: list[SessionView], detected_type: str, run: bool = False):
        super().__init__()
        self.views = views
        self.detected_type = detected_type
        self.run = run  # F5 opened it: what is picked runs the code

    def compose(self) -> ComposeResult:
        live = [v for v in self.views if v.record and v.container]
        gone = [v for v in self.views if v.record and not v.container]
        pairs = [v for v in self.views if v.owner == OTHER_HOME and v.container]
        with Vertical(classes="dialog picker"):
            title = (f"Found {plural(len(live), 'existing development container')}" if live
                     else "No session of yours running; join a pair's" if pairs else "No session running")
            if self.run:
                title = f"Run in which session? {title}"
            yield Label(title, classes="dialog-title")
            options = [Option(f"Reuse  {v.name}  {v.record.app_type}  {v.status}", id=f"reuse:{v.session}")  # type: ignore[union-attr]
                       for v in live]
            options += [Option(f"Restore  {v.name}  (container gone)", id=f"restore:{v.session}")
                        for v in gone]
            options += [Option(Text(f"Join  {v.name}  {visible_name(v.as_dict()['user'] or '?')}'s  {v.status}"),
                               id=f"join:{v.name}") for v in pairs]  # (the pair's user name: text, never markup)
            yield OptionList(*options, id="sessions")
            with Horizontal(classes="dialog-buttons"):
                yield Select([(t, t) for t in APP_TYPES], value=self.detected_type, allow_blank=False,
                             id="app-type")
                yield Button("New session", id="new", variant="primary")

    def on_mount(self) -> None:
        options = self.query_one("#sessions", OptionList)
        if options.option_count:
            options.highlighted = 0
            options.focus()
        else:
            options.display = False
            self.query_one("#new", Button).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        action, session = event.option.id.split(":", 1)  # type: ignore[union-attr]  # every option has one
        self.dismiss(Choice(action, session, run=self.run))

    def action_run_there(self) -> None:
        self.run = True
        options = self.query_one("#sessions", OptionList)
        if options.highlighted is None:
            self.action_new()
        else:
            options.action_select()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_new()

    def action_new(self) -> None:
        self.dismiss(Choice("new", app_type=str(self.query_one("#app-type", Select).value), run=self.run))
