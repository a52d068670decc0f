"""One row of the session listings (`msc ls`, the TUI's table, the API's list)."""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.containers import ContainerInfo
from .activity import Activity
from .ownership import LABEL_HOME, LABEL_SESSION, LABEL_USER, OTHER_HOME, THIS_HOME
from .state import SessionRecord


@dataclass
class SessionView:
    """One row of `msc ls`: a record, its container, or both."""

    record: SessionRecord | None
    container: ContainerInfo | None
    owner: str = THIS_HOME  # ownership(): this home, other home, not msc
    warm_rss: int | None = None  # memory of the session's warm servers (msc ls --size)
    activity: Activity | None = None  # from the session's run records (activity.look)
    theirs_waiting: bool = False  # another home's pool session with no run yet (Sessions.views, --all)

    @property
    def name(self) -> str:
        return self.container.name if self.container else self.record.container_name  # type: ignore[union-attr]

    @property
    def session(self) -> str:
        if self.record:
            return self.record.id
        return self.container.labels.get(LABEL_SESSION, "") if self.container else ""

    @property
    def in_pool(self) -> bool:
        """Waiting in the warm pool (core/pool.py): made ahead, nobody's session yet."""
        return bool(self.record and self.record.pool) or self.theirs_waiting

    @property
    def status(self) -> str:
        return self.container.status if self.container else "missing"

    @property
    def last_used(self) -> float:
        """This home's last use, or any run's in the session (a pair's, the agent's) if later."""
        if self.record and self.record.last_used:
            used = self.record.last_used
        else:
            used = self.container.created if self.container else 0.0
        return max(used, self.activity.last_used if self.activity else 0.0)

    @property
    def owned(self) -> bool:
        return self.owner == THIS_HOME

    @property
    def whose(self) -> str:
        """'this home', 'not msc', or another home's session with its user and home."""
        if self.owner != OTHER_HOME:
            return self.owner
        labels = self.container.labels  # type: ignore[union-attr]
        return f"{labels.get(LABEL_USER, '?')} ({labels.get(LABEL_HOME)})"

    def as_dict(self) -> dict:
        record, container = self.record, self.container
        return {
            "name": self.name,
            "session": self.session,
            "app_type": record.app_type if record else (container.labels.get("msc.app_type", "") if container else ""),
            "image": container.image if container else record.image,  # type: ignore[union-attr]
            "status": self.status,
            "created": record.created_at if record else container.created,  # type: ignore[union-attr]
            "last_used": self.last_used,
            "packages": len(record.installed_packages) if record else None,  # another home keeps that record
            "forked_from": (record.forked_from or None) if record else None,
            "size_rw": container.size_rw if container else None,
            "warm_rss": self.warm_rss,
            "msc": self.owned,
            "owner": self.owner,
            "home": container.labels.get(LABEL_HOME) if container else None,
            "user": container.labels.get(LABEL_USER) if container else None,
            "last_run": self.activity.last_run if self.activity else None,
            "going": self.activity.going if self.activity else [],
            "pool": self.in_pool,
        }
