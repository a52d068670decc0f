"""The correction flow's question to the index about modules the bundled map does not know
(the rules: core/long_tail.py), asked once per module per correction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from .imports import Analysis
from .long_tail import (
    MAX_INSPECTED_BYTES,
    Facts,
    contested,
    long_tail_hint,
    long_tail_refusal,
    normalize,
    now,
    read_facts,
    successor_choice,
)
from .packages import Packages
from .state import SessionRecord

PROBE = Path(__file__).resolve().parent / "index_probe.py"
DEFAULT_INDEX = "https://pypi.org/simple"


@dataclass
class Answer:
    """For one module: the distribution to install (or None) and the sentence that says why."""

    distribution: str | None
    why: str


@dataclass
class IndexAnswers:
    packages: Packages
    answers: dict[str, Answer] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.packages.sessions.settings

    def _off(self) -> str | None:
        """Why the index is not asked at all, if it is not."""
        if self.settings.correction_answers == "bundled":
            return "[correction] answers = \"bundled\": only the bundled map answers"
        if self.settings.index_url == "none":
            return "offline (packages.index_url = \"none\")"
        if self.settings.extra_index_urls:
            # An installer takes the highest version from any index: one index's facts prove nothing.
            return "extra index URLs are set: a name's owner differs between indexes"
        return None

    async def complete(self, record: SessionRecord, analysis: Analysis) -> None:
        """Add to `analysis` what the index answers for its unknown modules; a refusal's reason
        goes into its hint."""
        tops = list(dict.fromkeys(m.split(".")[0] for m in analysis.unknown))
        asked = [t for t in tops if t not in self.answers]
        if asked:
            off = self._off()
            if off:
                self.answers.update({t: Answer(None, off) for t in asked})
            else:
                self.answers.update(await self._ask(record, asked))
        for module in analysis.unknown:
            top = module.split(".")[0]
            answer = self.answers[top]
            generic = next((h for h in analysis.hints if h.startswith(f"{top} is not a module msc knows")), None)
            if answer.distribution is None:
                refused = (f"{top} is not in msc's bundled map and the index check did not confirm a "
                           f"distribution ({answer.why}); msc will not guess (install it yourself if you "
                           "know which: msc install SESSION NAME)")
                if generic:
                    analysis.hints[analysis.hints.index(generic)] = refused
                elif refused not in analysis.hints:
                    analysis.hints.append(refused)
                continue
            if generic:
                analysis.hints.remove(generic)
            if analysis.suggestions.pop(module, None) is not None:
                analysis.hints = [h for h in analysis.hints if not h.startswith(f"no known module is named {top}:")]
            analysis.unresolved.remove(module)
            if answer.distribution not in analysis.distributions:
                analysis.distributions.append(answer.distribution)
                analysis.provides[answer.distribution] = module
                analysis.hints.append(answer.why)

    async def _ask(self, record: SessionRecord, tops: list[str]) -> dict[str, Answer]:
        projects: dict[str, bool] = {}  # project name -> whether to inspect its files
        for top in tops:
            for name, _ in contested().get(top, []):
                projects.setdefault(normalize(name), False)
            if top not in contested():
                projects[normalize(top)] = True
        question = {"index": self.settings.index_url or DEFAULT_INDEX, "max_bytes": MAX_INSPECTED_BYTES,
                    "projects": [{"name": n, "inspect": i} for n, i in projects.items()]}
        code, out, err = await self.packages.ask_index(
            record, ["python3", "-I", "-c", PROBE.read_text(), json.dumps(question)])
        try:
            said = json.loads(out) if code == 0 else {}
        except ValueError:
            said = {}
        if not isinstance(said, dict) or not said:
            reason = f"the index check failed: {(err.strip().splitlines() or ['no answer'])[-1][:200]}"
            return {t: Answer(None, reason) for t in tops}
        facts = {n: read_facts(said.get(n)) for n in projects}
        at = now()
        found = {}
        for top in tops:
            if top in contested():
                by_name = {name: facts.get(normalize(name), Facts(error="no answer")) for name, _ in contested()[top]}
                chosen, why = successor_choice(top, by_name, at)
                found[top] = Answer(chosen, why)
            else:
                one = facts[normalize(top)]
                refusal = long_tail_refusal(top, one, at)
                found[top] = Answer(None, refusal) if refusal else Answer(one.project, long_tail_hint(top, one))
        return found
