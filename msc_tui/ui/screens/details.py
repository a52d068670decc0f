"""The details view: one container at a glance (image, status, limits, network, mounts,
packages, files, recent runs, disk and warm memory), scrollable at 80x24."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ...formatting import run_outcome, size, when
from ..workers import guarded_work

if TYPE_CHECKING:
    from textual import getters

    from ..app import MscApp


def describe_lines(d: dict, now: float) -> list[str]:
    limits = d.get("limits") or {}
    lines = [
        f"Owner     {d['whose']}",
        f"Session   {d['session'] or '-'}   app type {d['app_type'] or '-'}",
        f"Image     {d['image']}",
        f"Status    {d['status']}   created {when(d['created'], now)}   used {when(d['last_used'], now)}",
        f"Limits    memory {size(limits.get('memory')) if limits.get('memory') else 'none'}"
        f"   pids {limits.get('pids') or 'none'}   cpus {limits.get('cpus') or 'all'}",
        f"Network   policy {d.get('network_policy') or '-'}   attached {', '.join(d.get('networks') or []) or 'none'}",
        f"Disk      {size(d.get('size_rw'))} written   warm runners {size(d.get('warm_rss'))}",
    ]
    lines += ["Mounts"] + [f"  {m}" for m in d.get("mounts") or []] or []
    if "installed_packages" in d:
        lines += [f"Packages  {len(d['installed_packages'])} installed"
                  + (f" (asked for: {', '.join(d['requested_packages'])})" if d["requested_packages"] else "")]
        lines += [f"  {p}" for p in d["installed_packages"]]
        lines += [f"Files     {', '.join(d['session_files']) or 'none'}"]
    if "recent_runs" in d:
        lines += ["Recent runs" if d["recent_runs"] else "Recent runs: none"]
        lines += [f"  {r['id']:>3} {r.get('by', '?')} ({r.get('face', '?')}) {r.get('file', '?')}: "
                  f"{run_outcome(r, brief=True)}" for r in reversed(d["recent_runs"])]
    return lines


class DetailsScreen(ModalScreen[None]):
    if TYPE_CHECKING:  # Textual types self.app as a plain App; msc's screens are shown by MscApp
        app = getters.app(MscApp)

    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="details.close")]

    def __init__(self, name: str):
        super().__init__()
        self.container = name
        self.details: dict | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog details"):
            yield Label(f"{self.container} (Esc closes)", classes="dialog-title")
            with VerticalScroll():
                yield Static("loading...", id="details-body")

    def on_mount(self) -> None:
        self.load()

    @guarded_work(exclusive=True, group="details")
    async def load(self) -> None:
        self.details = await self.app.core.details(self.container)
        body = self.query_one("#details-body", Static)
        if self.details is None:
            body.update(f"{self.container} is gone")
            return
        body.update("\n".join(describe_lines(self.details, self.app.clock())))
