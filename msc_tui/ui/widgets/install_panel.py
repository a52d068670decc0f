"""The install panel: what the session has, an input for specs, the installer's output,
and after a missing-module failure the proposed distributions."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from .exec_log import ExecLog


class InstallPanel(Vertical):
    class InstallRequested(Message):
        def __init__(self, specs: list[str]) -> None:
            super().__init__()
            self.specs = specs

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # Kept as attributes, not queried: a worker may still report while the screen unmounts.
        self.proposal = Static("", id="proposal")
        self.packages: DataTable = DataTable(id="packages", cursor_type="row", zebra_stripes=True)
        self.log_view = ExecLog(max_lines=2000, id="install-log")

    def compose(self) -> ComposeResult:
        yield self.proposal
        yield Input(placeholder="package specs, e.g. pandas 'numpy>=2' (Enter installs)", id="specs")
        yield self.packages
        yield self.log_view

    def on_mount(self) -> None:
        self.packages.add_column("Package", key="name")
        self.packages.add_column("Version", key="version")
        self.propose([])

    def show_packages(self, packages: list[str]) -> None:
        table = self.packages
        table.clear()
        for line in packages:
            name, _, version = line.partition("==")
            table.add_row(name, version, key=name)
        self.border_subtitle = f"{len(packages)} installed"

    def propose(self, distributions: list[str], hints: Sequence[str] = ()) -> None:
        """After a failed run: name what would fix it (F9 installs and reruns)."""
        proposal = self.proposal
        text = []
        if distributions:
            text.append(f"Missing: {' '.join(distributions)} - press F9 to install and rerun")
        text += [f"Hint: {hint}" for hint in hints]
        proposal.update("\n".join(text))
        proposal.display = bool(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        specs = event.value.split()
        if specs:
            event.input.value = ""
            self.post_message(self.InstallRequested(specs))
