"""Answers beyond the bundled map, decided from what the package index says (docs/design.md,
"The long tail"). The bundled map knows popular distributions only; for a module it does not
know, msc asks the index the session installs from (from inside the session, through the
installer's window, index URL and CA bundle: core/index_probe.py) and answers only when:

- a project's normalized name (PEP 503) is the module's own: `midiutil` -> MIDIUtil;
- the newest stable release's file (wheel, else sdist) provides exactly that top-level module;
- it has a release history: at least MIN_RELEASES versions, the first at least MIN_AGE_DAYS old
  (typo-squats and placeholders are fresh single uploads, and are removed within days).

Misspellings of known modules and generic names never get here (imports.analyze refuses
them first). For a module several popular distributions provide (bundled successors.json),
the leader in downloads is taken when its name contains the module's, it leads the project
named after the module by SUCCESSOR_LEAD, that project has had no release for ABANDONED_DAYS,
and the leader has had one within MAINTAINED_DAYS (`fpdf` -> fpdf2). Every answer says so in
the result's hints; the install is then verified like any other.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

MIN_RELEASES = 2
MIN_AGE_DAYS = 90
SUCCESSOR_LEAD = 1.5
ABANDONED_DAYS = 3 * 365
MAINTAINED_DAYS = 2 * 365
MAX_INSPECTED_BYTES = 25_000_000
SUCCESSORS = Path(__file__).resolve().parent.parent / "data" / "successors.json"
_PROJECT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def contested() -> dict[str, list[tuple[str, int]]]:
    """module -> [(distribution, 30-day downloads)], most downloaded first (bundled data)."""
    try:
        modules = json.loads(SUCCESSORS.read_text())["modules"]
        return {m: [(str(n), int(c)) for n, c in found] for m, found in modules.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


@dataclass(frozen=True)
class Facts:
    """What the index said about one project (only what the rule uses)."""

    uploads: tuple[datetime, ...] = ()  # of files not yanked
    versions: int = 0  # releases with a file not yanked
    project: str | None = None  # the published name (from the inspected file's name)
    top_level: tuple[str, ...] = ()
    error: str | None = None


def _when(text) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def read_facts(answer) -> Facts:
    """The probe's answer for one project, checked field by field (it comes from the session)."""
    if not isinstance(answer, dict):
        return Facts(error="no answer")
    if answer.get("error"):
        return Facts(error=str(answer["error"])[:200])
    files = [f for f in answer.get("files") or [] if isinstance(f, dict) and not f.get("yanked")]
    uploads = tuple(sorted(t for f in files if (t := _when(f.get("upload_time"))) is not None))
    versions = {_version(str(f.get("filename", ""))) for f in files} - {None}
    inspected = str(answer.get("inspected") or "")
    project = re.split(r"-\d", inspected, maxsplit=1)[0] if inspected else None
    tops = tuple(str(t) for t in answer.get("top_level") or [] if isinstance(t, str))
    return Facts(uploads, len(versions), project if project and _PROJECT.match(project) else None, tops)


def _version(filename: str) -> str | None:
    """A wheel's or an sdist's version (installers' other old formats are not counted)."""
    if filename.endswith(".whl"):
        return filename.split("-")[1] if filename.count("-") >= 2 else None
    stem, sdist = re.subn(r"\.(tar\.gz|tar\.bz2|tgz|zip)$", "", filename)
    return stem.rpartition("-")[2] or None if sdist and "-" in stem else None


def long_tail_refusal(module: str, facts: Facts, at: datetime) -> str | None:
    """Why the index's answer is not enough to install for `module`; None when it is."""
    if facts.error:
        return f"the index could not confirm it ({facts.error})"
    if facts.project is None or normalize(facts.project) != normalize(module):
        return "no project on the index is named after it"
    if module not in facts.top_level:
        return f"{facts.project}'s newest release does not provide a top-level {module}"
    if facts.versions < MIN_RELEASES:
        return f"{facts.project} has {facts.versions} release(s): too little history to trust it"
    if not facts.uploads or at - facts.uploads[0] < timedelta(days=MIN_AGE_DAYS):
        return f"{facts.project} was first published less than {MIN_AGE_DAYS} days ago"
    return None


def successor_choice(module: str, facts: dict[str, Facts], at: datetime) -> tuple[str | None, str]:
    """(the distribution to install or None, why), for a module in contested()."""
    providers = contested().get(module, [])
    if len(providers) < 2:
        return None, f"{module} has no successor msc knows"
    (leader, leads), own = providers[0], normalize(module)
    eponymous = next(((n, c) for n, c in providers[1:] if normalize(n) == own), None)
    if eponymous is None or own not in normalize(leader) or leads < SUCCESSOR_LEAD * eponymous[1]:
        return None, f"no provider of {module} has a clear lead in downloads"
    never = datetime.min.replace(tzinfo=timezone.utc)  # no release the index confirms
    latest = {n: max(facts[n].uploads) if n in facts and facts[n].uploads else never for n, _ in providers}
    if at - latest[leader] > timedelta(days=MAINTAINED_DAYS):
        return None, f"{leader} has had no release for {MAINTAINED_DAYS // 365} years"
    alive = [n for n, _ in providers[1:] if n not in facts or facts[n].error or not facts[n].uploads
             or at - latest[n] < timedelta(days=ABANDONED_DAYS)]
    if alive:
        return None, f"{', '.join(alive)} still maintained (or not confirmed by the index): no clear successor"
    return leader, (f"{module}: installing {leader}, the maintained successor of {eponymous[0]} "
                    f"({leads / 1e6:.1f}M downloads a month against {eponymous[1] / 1e6:.1f}M; "
                    f"{eponymous[0]}'s last release {latest[eponymous[0]]:%Y}, {leader}'s {latest[leader]:%Y})")


def long_tail_hint(module: str, facts: Facts) -> str:
    return (f"{module}: installing {facts.project}, not in msc's bundled map but verified on the index: named "
            f"after the module, its newest release provides {module}, {facts.versions} releases since "
            f"{facts.uploads[0]:%Y}")


def now() -> datetime:
    return datetime.now(timezone.utc)
