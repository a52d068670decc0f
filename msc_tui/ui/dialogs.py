"""Small modal dialogs (confirm, ask for a file name, pick a file, quit), for screens and widgets alike."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList


class Confirm(ModalScreen[bool]):
    """A yes/no question; the safe answer (No) has the focus."""

    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, body: str, yes: str = "Yes", no: str = "No"):
        super().__init__()
        self.title_text, self.body, self.yes, self.no = title, body, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Label(self.body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.no, id="no", variant="primary")
                yield Button(self.yes, id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class AskText(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = ""):
        super().__init__()
        self.title_text, self.placeholder, self.value = title, placeholder, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(value=self.value, placeholder=self.placeholder)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class PickOne(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, choices: list[str]):
        super().__init__()
        self.title_text, self.choices = title, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*self.choices)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index])


class QuitDialog(ModalScreen[str | None]):
    """At quit: keep the session's container or remove it; keep is the default."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, session_name: str | None):
        super().__init__()
        self.session_name = session_name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Quit msc", classes="dialog-title")
            yield Label("Sessions persist after msc exits; you can reuse them next time.", classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Keep sessions", id="keep", variant="primary")
                if self.session_name:
                    yield Button(f"Remove {self.session_name}", id="remove", variant="error")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)


class Unsaved(ModalScreen[str | None]):
    """Unsaved edits before something would replace them: save, discard or cancel (the default)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel")]

    def __init__(self, name: str, what: str, can_save: bool):
        super().__init__()
        self.name_shown, self.what, self.can_save = name, what, can_save

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Unsaved changes", classes="dialog-title")
            where = "" if self.can_save else " (there is no session or local file to save it to yet)"
            yield Label(f"{self.name_shown} has changes that are not saved{where}. Save them before you "
                        f"{self.what}?", classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Discard", id="discard", variant="error")
                if self.can_save:
                    yield Button("Save", id="save", variant="success")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)
