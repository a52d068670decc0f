"""App types: the system packages each needs, and detection from code and a task text."""

from __future__ import annotations

import ast
import re

from ..config import APP_TYPES
from ..errors import UsageError

SYSTEM_PACKAGES = {
    "basic_app": (),
    "gui_app": ("python3-tk", "python3-dev"),
    "data_app": ("gcc", "g++", "gfortran", "libopenblas-dev", "liblapack-dev"),
    "web_app": ("curl",),
}
SHORT_NAMES = {"basic_app": "basic", "gui_app": "gui", "data_app": "data", "web_app": "web"}

_IMPORT_SIGNS = {
    "gui_app": {"tkinter", "turtle", "customtkinter", "pygame", "PyQt5", "PyQt6", "PySide6", "kivy", "wx"},
    "data_app": {"numpy", "pandas", "scipy", "sklearn", "matplotlib", "seaborn", "torch", "tensorflow",
                 "keras", "xgboost", "lightgbm", "statsmodels", "polars", "sympy", "numba"},
    "web_app": {"flask", "django", "fastapi", "uvicorn", "starlette", "aiohttp", "tornado", "bottle",
                "requests", "httpx", "streamlit", "gradio"},
}
_TASK_WORDS = {
    "gui_app": r"\b(gui|tkinter|window|desktop|button|calculator app|game|canvas|widget)s?\b",
    "data_app": r"\b(csv|dataframe|data ?set|classifier|regression|train|model|plot|numpy|pandas|"
                r"statistic|machine learning|ml|matrix|analy[sz]e|analysis)s?\b",
    "web_app": r"\b(flask|django|fastapi|api|http|web|server|endpoint|scrape|website|rest)s?\b",
}


def check_app_type(name: str) -> str:
    if name not in APP_TYPES:
        raise UsageError(f"unknown app type {name!r} (choose from {', '.join(APP_TYPES)})")
    return name


def imported_modules(code: str) -> set[str]:
    """Top-level names the code imports; a regex fallback when it does not parse."""
    try:
        tree = ast.parse(code or "")
    except SyntaxError:
        return set(re.findall(r"^\s*(?:from|import)\s+(\w+)", code or "", re.MULTILINE))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def detect_app_type(code: str | None = None, task: str | None = None, default: str = "basic_app") -> str:
    """Imports decide first (GUI beats data beats web); then the most task-description words."""
    modules = imported_modules(code or "")
    for app_type in ("gui_app", "data_app", "web_app"):
        if modules & _IMPORT_SIGNS[app_type]:
            return app_type
    scores = {t: len(re.findall(words, task or "", re.IGNORECASE)) for t, words in _TASK_WORDS.items()}
    best = max(scores, key=scores.__getitem__)  # ties keep the order gui, data, web
    return best if scores[best] else default
