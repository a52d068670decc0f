"""A run's output as it comes: shown to the caller, and a bounded copy kept for the result."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Callable

CAPTURE_LIMIT = 8 * 1024 * 1024  # characters per stream kept for the result; streaming shows everything

OnOutput = Callable[[str, str], None]  # ("stdout" | "stderr", text)


@dataclass
class Capture:
    """Decodes output incrementally (a UTF-8 char can span frames) and keeps a bounded copy."""

    on_output: OnOutput | None
    texts: dict[str, list[str]] = field(default_factory=lambda: {"stdout": [], "stderr": []})
    sizes: dict[str, int] = field(default_factory=lambda: {"stdout": 0, "stderr": 0})
    cut: set[str] = field(default_factory=set)  # streams whose kept copy stops at CAPTURE_LIMIT

    def __post_init__(self):
        self.decoders = {s: codecs.getincrementaldecoder("utf-8")("replace") for s in self.texts}

    def __call__(self, name: str, data: bytes) -> None:
        text = self.decoders[name].decode(data)
        room = max(CAPTURE_LIMIT - self.sizes[name], 0)
        if len(text) > room:
            self.cut.add(name)
        if kept := text[:room]:
            self.texts[name].append(kept)
            self.sizes[name] += len(kept)
        if self.on_output and text:
            self.on_output(name, text)

    def result(self, name: str) -> str:
        tail = self.decoders[name].decode(b"", final=True)
        return "".join(self.texts[name]) + tail
