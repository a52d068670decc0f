"""The correction flow (run, analyze, install, rerun), every missing import in one go.

Before a rerun msc looks at all the imports of the code and of the local modules sent with
it (not only the one the traceback names), asks the container in one exec which of them do
not import, adds what the run said it needs in words (library_words), maps them all
(imports.analyze: confident names only; beyond the bundled map, what the index confirms:
index_answers) and installs them with one installer call. Each installed distribution must
then make its module importable, or the round's installs are undone and it is reported.
Rounds go on while they make progress, within `run.auto_install_rounds`, and the result says
why they stopped.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, replace
from typing import Awaitable, Callable

from ..errors import InstallFailed
from .imports import CURATED, NAMESPACES, Analysis, analyze, missing_modules
from .index_answers import IndexAnswers
from .library_words import library_needs
from .packages import Packages
from .results import RunResult
from .state import SessionRecord

_HANDLED = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
# Run as the session's user: which of these modules would not import (find_spec, nothing executed
# for top-level names; a dotted name imports only its namespace parents).
_PROBE = ("import importlib.util as u, json, sys\nsys.path.insert(0, '/app')\n"
          "def gone(m):\n    try:\n        return u.find_spec(m) is None\n    except (ImportError, ValueError):\n"
          "        return True\nprint(json.dumps([m for m in json.loads(sys.argv[1]) if gone(m)]))\n")


def _handles_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if handler.type is None or any(isinstance(n, ast.Name) and n.id in _HANDLED for n in names):
            return True
    return False


def code_imports(sources: list[str]) -> list[str]:
    """Absolute imports the code makes, outside `try: ... except ImportError` (code that
    already copes with a missing module is not given one). Unparsable code gives none."""
    found: list[str] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        child: ast.AST
        if isinstance(node, ast.Try):
            inner = guarded or _handles_import_error(node)
            for child in node.body:
                visit(child, inner)
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child, guarded)
            return
        if not guarded and isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif not guarded and isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    for source in sources:
        try:
            visit(ast.parse(source), False)
        except (SyntaxError, ValueError):
            continue
    return list(dict.fromkeys(m for m in found if m != "__future__"))


def _probe_name(module: str) -> str:
    """What to ask the container about: the top level, or the curated dotted name of a namespace."""
    top = module.split(".")[0]
    if top not in NAMESPACES:
        return top
    parts = module.split(".")
    return next((".".join(parts[:end]) for end in range(len(parts), 0, -1) if ".".join(parts[:end]) in CURATED),
                module)


class Correction:
    def __init__(self, packages: Packages, rounds: int):
        self.packages = packages
        self.engine = packages.engine
        self.rounds = rounds
        self.index = IndexAnswers(packages)

    async def not_importable(self, record: SessionRecord, modules: list[str]) -> list[str]:
        if not modules:
            return []
        code, out, err = await self.engine.execs.output(
            record.container_name, ["python3", "-c", _PROBE, json.dumps(modules)], user="appuser", timeout=60)
        if code != 0:
            raise InstallFailed(f"could not check imports in {record.container_name}: {err.strip()[-200:]}")
        return json.loads(out)

    async def fix(self, record: SessionRecord, result: RunResult, sources: list[str], local,
                  execute: Callable[[], Awaitable[RunResult]], on_output=None) -> RunResult:
        """Install what the failed run and its code miss, rerun; round after round."""
        installed: list[str] = []
        rounds, stopped = self.rounds, None
        while not result.success:
            if rounds <= 0:
                stopped = "bound reached: run.auto_install_rounds"
                break
            if record.network == "none":
                stopped = "network policy none: nothing can be installed"
                break
            probed = list(dict.fromkeys(_probe_name(m) for m in code_imports(sources)))
            missing = [*missing_modules(result.stderr), *await self.not_importable(record, probed)]
            # Words count from both streams: a script that catches its ImportError may print to either.
            said = library_needs(f"{result.stderr}\n{result.stdout}")
            analysis = analyze("", record.session_files, local, modules=list(dict.fromkeys(missing)), said=said)
            result = await self._answered(record, result, analysis)
            wanted = [d for d in analysis.distributions if d not in installed]
            if not wanted:
                stopped = ("no progress: nothing left that msc can install" if installed or missing
                           else "nothing to install: the failure is not a missing import")
                break
            rounds -= 1
            round_notes = RoundNotes(result.hints, result.install_error)
            try:
                verified = await self._install_verified(record, wanted, analysis.provides, round_notes, on_output)
            except InstallFailed as exc:
                result = replace(result, hints=round_notes.hints, install_error=str(exc))
                stopped = "install failed"
                break
            result = replace(result, hints=round_notes.hints, install_error=round_notes.install_error)
            if not verified:
                stopped = "no progress: the installs did not provide the missing modules"
                break
            installed += verified
            carried = result
            result = await execute()
            result = replace(result, hints=list(dict.fromkeys([*carried.hints, *result.hints])),
                             install_error=result.install_error or carried.install_error)
        return replace(result, auto_installed=installed, auto_install_stopped=stopped)

    async def propose(self, record: SessionRecord, result: RunResult, local) -> RunResult:
        """A failed run without auto-install: what it misses beyond the bundled map, as the index
        answers it (the long tail), so that `missing_packages` proposes what auto-install would install."""
        analysis = analyze(result.stderr, record.session_files, local)
        return await self._answered(record, result, analysis) if analysis.unknown else result

    async def _answered(self, record: SessionRecord, result: RunResult, analysis: Analysis) -> RunResult:
        """The result with the analysis (the index's answers added) as its proposal and hints."""
        if analysis.unknown:
            await self.index.complete(record, analysis)
        # The run's own hints guessed a slip ("did you mean ...") for modules the index has since confirmed.
        settled = tuple(f"no known module is named {m.split('.')[0]}:" for m in analysis.provides.values())
        earlier = [h for h in result.hints if not h.startswith(settled)] if settled else result.hints
        return replace(result, missing_packages=analysis.distributions, unresolved_imports=analysis.unresolved,
                       suggestions=analysis.suggestions, hints=list(dict.fromkeys([*earlier, *analysis.hints])))

    async def _install_verified(self, record: SessionRecord, wanted: list[str], provides: dict[str, str],
                                notes: RoundNotes, on_output) -> list[str]:
        """One installer call for all; then each must make its module importable. When one does
        not, everything the round added is uninstalled and the rest installed again."""
        before = {p.split("==")[0].lower() for p in record.installed_packages}
        await self.packages.install(record, wanted, on_output)
        still = set(await self.not_importable(record, [_probe_name(provides[d]) for d in wanted]))
        wrong = [d for d in wanted if _probe_name(provides[d]) in still]
        if not wrong:
            return wanted
        added = [p.split("==")[0] for p in record.installed_packages if p.split("==")[0].lower() not in before]
        await self.packages.uninstall(record, added, on_output)
        reports = [f"{d} does not provide {provides[d]}" for d in wrong]
        notes.install_error = "; ".join(reports)
        notes.hints = [*notes.hints, *reports]
        kept = [d for d in wanted if d not in wrong]
        if kept:
            await self.packages.install(record, kept, on_output)
        return kept


@dataclass
class RoundNotes:
    """What a round's installs add to the result (hints, the installer's failure) as they go."""

    hints: list[str]
    install_error: str | None
