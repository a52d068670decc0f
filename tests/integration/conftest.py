"""Fixtures of the integration tests."""

from __future__ import annotations

import pytest

from tests.run_agent_box import stop_agents


@pytest.fixture
def agents(monkeypatch, msc_home):
    """The run agent on (conftest's msc_home turns it off), its files in MSC_HOME (no
    XDG_RUNTIME_DIR); every agent started is stopped afterwards. Yields the agents' folder."""
    monkeypatch.setenv("MSC_AGENT", "1")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    yield msc_home / "agents"
    stop_agents(msc_home / "agents")
