"""Whose a container is, and which container a session reference means: the one rule every
command applies (run, logs, history, install, packages, files, cp, shell, rm, clean).

- This MSC_HOME's objects carry its `msc.home` label; a session labelled with another home is a
  pair's (another person's msc); anything else is not msc's.
- A reference (a session id or a container name) means this home's record when there is one,
  else a session on the engine by that name; the two spellings always mean the same session.
- A record's container is trusted only when its labels say it is that session of this home:
  a record edited (or copied) to name another container never drives an operation there.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.containers import ContainerInfo
from ..errors import ContainerGone, UsageError
from .state import SessionRecord

PREFIX = "msc-dev-session-"
LABEL_SESSION = "msc.session"
LABEL_HOME = "msc.home"
LABEL_USER = "msc.user"
# Made for its home's warm pool (labels cannot change when it is claimed, so it stays): another
# home's msc refuses such a session until a run has happened in it (sessions.py, _on_engine).
LABEL_POOL = "msc.pool"
THIS_HOME, OTHER_HOME, NOT_MSC = "this home", "other home", "not msc"


def ownership(labels: dict[str, str], home: str) -> str:
    """this home, other home (a colleague's session), or not msc."""
    if labels.get(LABEL_HOME) == home:
        return THIS_HOME
    return OTHER_HOME if LABEL_HOME in labels else NOT_MSC


def check_container(record: SessionRecord, info: ContainerInfo, home: str, ours: bool) -> None:
    """The container a record names must be that session's (and this home's, for this home's
    records): the same check before a run, an install, a copy or a removal."""
    labels = info.labels
    if info.name == record.container_name and labels.get(LABEL_SESSION) == record.id and (
            not ours or labels.get(LABEL_HOME) == home):
        return
    actual = (f"session {labels[LABEL_SESSION]} of {labels.get(LABEL_HOME) or 'no msc home'}"
              if LABEL_SESSION in labels else "not an msc session")
    raise ContainerGone(f"session {record.id}: its record names {record.container_name}, which is not this "
                        f"session's container (it is {info.name}, {actual}); nothing was done (remove session "
                        f"{record.id} from sessions.toml, or correct its container_name)")


@dataclass
class Target:
    """What a reference resolved to. `record` is this home's, or for a pair's session one read
    from its labels (never saved); None for a container msc did not make. `container` is None
    when the record's container was removed."""

    ref: str
    record: SessionRecord | None
    container: ContainerInfo | None
    owner: str

    @property
    def name(self) -> str:
        return self.container.name if self.container else self.record.container_name  # type: ignore[union-attr]

    @property
    def session(self) -> SessionRecord:
        """The session's record: `Sessions.find` without `containers` finds sessions only."""
        if self.record is None:
            raise UsageError(f"{self.name} is not an msc session")
        return self.record

    @property
    def ours(self) -> bool:
        return self.owner == THIS_HOME

    def whose(self) -> str:
        """'X is a session of another msc home (alice: /home/alice/.config/msc)', or not msc's."""
        if self.owner == OTHER_HOME:
            labels = self.container.labels  # type: ignore[union-attr]  # another home's: seen by its container
            return (f"{self.name} is a session of another msc home "
                    f"({labels.get(LABEL_USER, '?')}: {labels.get(LABEL_HOME)})")
        return f"{self.name} is not an msc container" if self.owner == NOT_MSC else f"{self.name} is this home's"

    def refuse_removal(self) -> None:
        """rm: another home's session or a container msc did not make goes only with --force."""
        if not self.ours:
            raise UsageError(f"{self.whose()}; pass --force to remove it anyway")
