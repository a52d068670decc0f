"""A command's arguments checked before the engine is asked: a bad value is one line and exit 2
whether or not an engine answers, and nothing unchecked reaches an engine URL."""

from __future__ import annotations

from ..core.copying import confined, split_target
from ..core.references import checked_reference
from ..errors import UsageError


def check_arguments(args) -> None:
    """UsageError for the first session reference or session path that cannot be right."""
    for name in ("session", "sessions"):
        value = getattr(args, name, None)
        for ref in value if isinstance(value, list) else [value] if isinstance(value, str) else []:
            checked_reference(ref)
    if getattr(args, "command", None) == "cp":
        (source_session, source), (target_session, target) = split_target(args.source), split_target(args.target)
        if bool(source_session) == bool(target_session):
            raise UsageError("one side of msc cp is a session path (SESSION:/app/...), the other a local path")
        checked_reference(source_session or target_session or "")
        confined(source if source_session else target)
