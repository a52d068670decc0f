"""The only code that talks to Docker (through aiodocker). Never imports Textual."""

from .client import Engine, resolve_endpoint
from .events import EngineEvent
from .execs import ExecResult

__all__ = ["Engine", "EngineEvent", "ExecResult", "resolve_endpoint"]
