"""The main screen's work area: the editor and the side tabs (Output, Packages).

Stacked (under 120 columns), a run's output gets the room: from a run's start (this TUI's or
someone else's) until the editor's text changes again, the screen is marked `-output-first`
and the table and the editor shrink (styles/msc.tcss)."""

from __future__ import annotations

from textual.containers import Horizontal
from textual.widgets import TextArea

from .output import OutputPane


class WorkArea(Horizontal):
    def __init__(self, output: OutputPane) -> None:
        super().__init__(id="work")
        self.output = output

    def on_mount(self) -> None:
        self.watch(self.output, "controls", self._run_going, init=False)
        self.watch(self.output, "others_runs", self._run_going, init=False)

    def _run_going(self, going: object) -> None:
        if going:
            self.screen.add_class("-output-first")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area is self.output.editor:
            self.screen.remove_class("-output-first")
