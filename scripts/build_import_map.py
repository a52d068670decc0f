"""Generate msc_tui/data/import_map.json: import name -> the PyPI distribution code means by it,
and msc_tui/data/successors.json: the contested names a maintained fork may take over.

Sources (read at generation time only; msc never needs them at run time):
- pigar's database of top-level module names per distribution (`pigar/.db.sqlite3` inside
  the pigar wheel on PyPI, about 650,000 distributions);
- the 15,000 most-downloaded PyPI projects (../shared/data/top-pypi-packages.min.json,
  hugovk/top-pypi-packages; its README gives the source and date).

Rules, each a safety decision (a wrong name installs someone else's code):
- only distributions in the popularity list are candidates: a name that only an obscure
  project provides is never mapped (that is where typo-squats and placeholders live);
- a module is mapped when its most-downloaded provider has at least WINNER_RATIO times the
  downloads of the next one; otherwise it is ambiguous and left to the curated layer
  (msc_tui/core/imports.py) or to a human;
- names that more than MAX_PROVIDERS popular projects ship (tests, docs, utils, ...) are
  packaging accidents, not importable libraries, and are dropped;
- private names (leading underscore) and names that are not identifiers are dropped.

successors.json keeps, for contested modules only (no 5x winner), the popular providers with their
downloads when one of them is named after the module and another, whose name contains the
module's, leads it by SUCCESSOR_LEAD (`fpdf`: fpdf2 over fpdf). It decides nothing alone:
msc_tui/core/successors.py also asks the index whether the eponymous project is abandoned.

    python scripts/build_import_map.py PIGAR_WHEEL_OR_DB [TOP_PYPI_JSON]
Without arguments it downloads the pigar wheel with pip into a temporary folder.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "msc_tui" / "data" / "import_map.json"
SUCCESSORS = ROOT / "msc_tui" / "data" / "successors.json"
TOP_PYPI = ROOT.parent / "shared" / "data" / "top-pypi-packages.min.json"
WINNER_RATIO = 5
MAX_PROVIDERS = 8
SUCCESSOR_LEAD = 1.5


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pigar_db(source: str | None, scratch: Path) -> Path:
    if source and source.endswith(".sqlite3"):
        return Path(source)
    wheel = Path(source) if source else None
    if wheel is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "pigar", "-d", str(scratch)],
                       check=True)
        wheel = next(scratch.glob("pigar-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        archive.extract("pigar/.db.sqlite3", scratch)
    return scratch / "pigar" / ".db.sqlite3"


def build(db: Path, top: dict) -> tuple[dict, dict]:
    downloads = {normalize(row["project"]): (row["download_count"], row["project"]) for row in top["rows"]}
    providers: dict[str, list[tuple[int, str]]] = defaultdict(list)
    with sqlite3.connect(db) as connection:
        for module, distribution in connection.execute(
                "SELECT m.name, d.name FROM top_level_module_names m JOIN distributions d ON d.id = m.distribution_id"):
            popular = downloads.get(normalize(distribution))
            if popular and module.isidentifier() and not module.startswith("_"):
                providers[module].append(popular)
    mapping, successors = {}, {}
    for module, found in providers.items():
        found = sorted(set(found), reverse=True)
        if len(found) > MAX_PROVIDERS:
            continue
        if len(found) == 1 or found[0][0] >= WINNER_RATIO * found[1][0]:
            mapping[module] = found[0][1]
        elif _successor_case(module, found):
            successors[module] = [[name, count] for count, name in found]
    return dict(sorted(mapping.items())), dict(sorted(successors.items()))


def _successor_case(module: str, found: list[tuple[int, str]]) -> bool:
    """The leader's name contains the module's; a less downloaded provider is named after it."""
    leader, own = normalize(found[0][1]), normalize(module)
    eponymous = [count for count, name in found[1:] if normalize(name) == own]
    return own in leader and bool(eponymous) and found[0][0] >= SUCCESSOR_LEAD * eponymous[0]


def main() -> None:
    top = json.loads(Path(sys.argv[2] if len(sys.argv) > 2 else TOP_PYPI).read_text())
    with tempfile.TemporaryDirectory() as scratch:
        mapping, successors = build(pigar_db(sys.argv[1] if len(sys.argv) > 1 else None, Path(scratch)), top)
    source = ("pigar 2.2.0 .db.sqlite3 (top-level module names per distribution) ranked by "
              f"hugovk/top-pypi-packages ({top.get('last_update', '?')}); built by scripts/build_import_map.py")
    document = {
        "_source": source,
        "_rules": f"popular providers only; winner needs {WINNER_RATIO}x the runner-up's downloads; "
                  f"names shipped by more than {MAX_PROVIDERS} popular projects dropped",
        "modules": mapping,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"{OUT.relative_to(ROOT)}: {len(mapping)} modules, {OUT.stat().st_size // 1024} KiB")
    SUCCESSORS.write_text(json.dumps({
        "_source": source + " (30-day download counts)",
        "_rules": f"contested modules whose leader's name contains the module's and has {SUCCESSOR_LEAD}x the "
                  "downloads of the provider named after it; [name, downloads] by downloads",
        "modules": successors}, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"{SUCCESSORS.relative_to(ROOT)}: {len(successors)} modules")


if __name__ == "__main__":
    main()
