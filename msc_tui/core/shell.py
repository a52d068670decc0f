"""The hand-off of the terminal to a shell in a session (`msc shell`, the TUI's F8)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class ShellCommand:
    """The docker CLI command and the environment that reach the same engine as msc."""

    argv: list[str]
    env: dict[str, str]

    def call(self) -> int:
        """Give the terminal to the shell until it exits; its exit code."""
        return subprocess.call(self.argv, env=self.env)
