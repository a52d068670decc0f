"""MscApp: the Textual application. Opens the core, shows the main screen."""

from __future__ import annotations

import sys
import time
from importlib import resources
from pathlib import Path
from typing import Awaitable, Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..config import load_settings
from ..core.service import Msc
from ..errors import MscError
from .dialogs import QuitDialog
from .screens.help import HelpScreen
from .screens.main import MainScreen


def styles_path() -> Path:
    """The .tcss folder: inside the installed wheel, or styles/ in a source checkout."""
    packaged = Path(str(resources.files("msc_tui"))) / "styles"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "styles"


class MscApp(App):
    TITLE = "msc"
    CSS_PATH = str(styles_path() / "msc.tcss")
    BINDINGS = [
        Binding("f1", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit_dialog", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, opener: Callable[[], Awaitable[Msc]] | None = None, clock: Callable[[], float] = time.time,
                 show_picker: bool = True, keymap: dict[str, str] | None = None, open_path: Path | None = None):
        super().__init__()
        self.open_path = open_path
        self.opener = opener or Msc.open
        self.clock = clock
        self.show_picker = show_picker
        self.msc: Msc | None = None
        if keymap:
            self.set_keymap(keymap)

    async def open_core(self) -> None:
        self.msc = await self.opener()

    @property
    def core(self) -> Msc:
        """The open core, for the screens' work that comes after open_core."""
        if self.msc is None:
            raise RuntimeError("msc's core is not open yet")
        return self.msc

    def on_mount(self) -> None:
        self.push_screen(MainScreen(show_picker=self.show_picker, local_path=self.open_path))

    async def on_unmount(self) -> None:
        if self.msc is not None:
            await self.msc.close()

    def action_help(self) -> None:
        rows = [(b.binding.key_display or self.get_key_display(b.binding), b.binding.description, b.binding.id or "")
                for b in self.active_bindings.values() if b.binding.description]
        self.push_screen(HelpScreen(sorted(set(rows), key=lambda r: (r[2] == "", r[2], r[0]))))

    def action_quit_dialog(self) -> None:
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if main is not None:
            main.editor.unsaved_then("quit", lambda: self._ask_quit(main))
        else:
            self._ask_quit(None)

    def _ask_quit(self, main: MainScreen | None) -> None:
        current = main.current if main else None
        if current and self.msc and current.id not in self.msc.sessions.records():
            current = None  # a pair's session (another home's) is theirs to remove, not offered here
        self.push_screen(QuitDialog(current.container_name if current else None),
                         lambda answer: self._quit(answer, current))

    def _quit(self, answer: str | None, current) -> None:
        if answer == "keep":
            self.exit()
        elif answer == "remove":
            self.run_worker(self.remove_and_exit(current.container_name))

    async def remove_and_exit(self, name: str) -> None:
        try:
            await self.core.sessions.remove(name)
        except MscError as exc:
            self.notify(str(exc), severity="error")
            return
        self.exit()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every bound action is also in the command palette."""
        for command in super().get_system_commands(screen):
            if command.title == "Quit":  # Textual's quits at once; msc's asks about the sessions
                yield SystemCommand("Quit", "Quit msc (keep or remove the session)", self.action_quit_dialog)
            else:
                yield command
        for active in screen.active_bindings.values():
            binding = active.binding
            if binding.description and binding.id and not binding.id.startswith("app."):
                yield SystemCommand(binding.description, f"key: {self.get_key_display(binding)}",
                                    lambda action=binding.action, node=active.node: node.run_action(action))
        if hasattr(screen, "action_join_by_id") and self.msc is not None:  # the main screen, connected
            yield SystemCommand("Join a session by id", "a pair's session on this engine (F2 lists them too)",
                                lambda: screen.run_action("join_by_id"))


def run_app(open_path: Path | None = None) -> int:
    """The TUI; `open_path`: a local file to edit and run (`msc app.py`)."""
    try:
        settings = load_settings()
    except MscError as exc:
        print(f"msc: {exc}", file=sys.stderr)
        return exc.exit_code
    MscApp(opener=lambda: Msc.open(settings), keymap=dict(settings.keymap), open_path=open_path).run()
    return 0
