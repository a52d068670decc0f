"""msc: Minimal Stable Containers.

The public API for scripts and correction agents:

    from msc_tui import DockerManager, analyze_import_errors
"""

__version__ = "0.1.0"
__all__ = ["DockerManager", "analyze_import_errors", "__version__"]


def __getattr__(name: str):
    """Imported on first use: `msc run` through the run agent must start without them (~200 ms)."""
    if name == "DockerManager":
        from .api import DockerManager

        return DockerManager
    if name == "analyze_import_errors":
        from .core.imports import analyze_import_errors

        return analyze_import_errors
    raise AttributeError(f"module 'msc_tui' has no attribute {name!r}")
