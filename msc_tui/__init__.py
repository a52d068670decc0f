"""msc: Minimal Stable Containers.

The public API for scripts and correction agents:

    from msc_tui import DockerManager, analyze_import_errors
"""

__version__ = "0.1.0"

from .api import DockerManager  # noqa: E402
from .core.imports import analyze_import_errors  # noqa: E402

__all__ = ["DockerManager", "analyze_import_errors", "__version__"]
