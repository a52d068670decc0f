"""What a failed run says it misses in words, beside Python's own `No module named` line.

Libraries and scripts name what they need in prose: pandas' "Missing optional dependency
'tabulate'" and "Unable to find a usable engine; tried using: 'pyarrow', 'fastparquet'",
dask's `pip install "dask[array]"`, SQLAlchemy's "the greenlet library is required", a script
that catches its own ImportError and prints "pip install numpy". This module only reads the
words; every name it returns still goes through the same safe map as an import
(core/imports.py), so words can ask for nothing that an import could not.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class Said:
    """A name the words give (a module or a distribution), with the extras asked for;
    `check`: the module the install must make importable, when the words say which."""

    name: str
    extras: tuple[str, ...] = ()
    check: str | None = None
    alternatives: tuple[str, ...] = ()  # any one of these will do, the first that maps wins


_NAME = r"[A-Za-z0-9][\w.-]*"
# pandas 2 ("Missing optional dependency 'tabulate'") and pandas 3 ("`Import tabulate` failed").
_OPTIONAL = re.compile(rf"(?:Missing optional dependency '({_NAME})'|`Import ({_NAME})` failed)")
_PLAIN = [re.compile(p) for p in (
    rf"(?:requires|needs) (?:the )?'?({_NAME})'? (?:package )?to be installed",
    rf"({_NAME}) is required(?: for this| to use)",
)]
_TRIED = re.compile(r"tried using: ((?:'[\w.-]+'(?:,\s*)?)+)")
_PIP = re.compile(r"\bpip3? install\b([^\n]*)")
_REQUIREMENT = re.compile(rf"^({_NAME}?)(?:\[([\w.,\s-]+)\])?(?:[<>=!~][^\s]*)?$")
_PIP_FLAGS = {"-U", "--upgrade", "--user", "-q", "--quiet"}
# Prose after "pip install" ("pip install as follows:", "pip install it with ..."): the words end there.
_PROSE = frozenset("a an and as by first following follows for from it manually or package packages please "
                   "that the them then this those to using via with".split())

# Names libraries say that are neither the module nor the PyPI distribution: pandas says
# "pytables" (conda's name) for the `tables` distribution and module.
ALIASES = {"pytables": "tables"}

# Messages that name no package at all but one library's documented extra:
# SQLAlchemy's asyncio support needs greenlet, which only its `asyncio` extra brings.
KNOWN_MESSAGES = [
    (re.compile(r"the greenlet library is required to use this function"),
     Said("sqlalchemy", ("asyncio",), "greenlet")),
]


def _pip_line(rest: str) -> list[Said]:
    """`pip install "dask[array]" --upgrade  # or ...` -> dask with the extra array. A line with
    any other installer option (-r file, -e path, --index-url) names no package msc would take."""
    try:
        words = shlex.split(rest.split("#")[0].strip().rstrip(".,;:`'\")"), posix=True)
    except ValueError:
        return []
    found = []
    for word in words:
        if word in _PIP_FLAGS:
            continue
        if word.startswith("-"):
            return []
        match = _REQUIREMENT.match(word.strip("`'\".,;"))
        if not match or not match.group(1) or match.group(1).lower() in _PROSE:
            break
        extras = tuple(e.strip() for e in (match.group(2) or "").split(",") if e.strip())
        found.append(Said(match.group(1), extras))
    return found


def library_needs(text: str) -> list[Said]:
    """Every name the words say is needed, in order, once each. Engines a library "tried"
    are alternatives (one is enough): their own "Missing optional dependency" lines are not
    counted again one by one."""
    text = text or ""
    said: list[Said] = []
    grouped: set[str] = set()
    for match in _TRIED.finditer(text):
        names = tuple(re.findall(r"'([\w.-]+)'", match.group(1)))
        grouped.update(names)
        said.append(Said(names[0], alternatives=names))
    for pattern, need in KNOWN_MESSAGES:
        if pattern.search(text):
            said.append(need)
    named = [a or b for a, b in _OPTIONAL.findall(text)]
    for pattern in _PLAIN:
        named += pattern.findall(text)
    said += [Said(name) for name in named if name not in grouped]
    for match in _PIP.finditer(text):
        said += [s for s in _pip_line(match.group(1)) if s.name not in grouped]
    unique: dict[tuple, Said] = {}
    for item in said:
        unique.setdefault((item.name.lower(), item.extras), item)
    return list(unique.values())
