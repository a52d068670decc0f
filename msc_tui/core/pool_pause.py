"""A clean of the warm pool holds until the next new session. Without it a long-lived msc (the
run agent, up to [run] warm_idle after its last request) made a pool session again within
30 s of `msc clean`: a pair's trial cleaned, listed, and found one back. The mark is a file in
the home, so every msc of the home, the agent included, sees it without a new field in
sessions.toml; a new session (or an msc started after the clean) lifts it."""

from __future__ import annotations

from pathlib import Path

MARK = "pool-paused"


def pause(state_dir: Path) -> None:
    """Mark now as the time the pool was cleaned."""
    (state_dir / MARK).touch()


def paused_since(state_dir: Path) -> float:
    """When the pool was last cleaned (0.0: never)."""
    try:
        return (state_dir / MARK).stat().st_mtime
    except OSError:
        return 0.0
