"""From a traceback's missing modules to the PyPI distributions that provide them.

Every mapping entry is a supply-chain decision: a wrong name installs someone else's code.
So the table is curated by hand (no third-party list copied), and msc refuses to guess for
standard-library modules, the session's own files, and generic names.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_MISSING = re.compile(r"(?:ModuleNotFoundError|ImportError): No module named '?([\w.]+)'?")

# import name (dotted prefixes allowed, longest wins) -> distribution on PyPI
DISTRIBUTIONS = {
    "Bio": "biopython", "Crypto": "pycryptodome", "Cryptodome": "pycryptodomex",
    "IPython": "ipython", "Levenshtein": "Levenshtein", "MySQLdb": "mysqlclient",
    "OpenGL": "PyOpenGL", "OpenSSL": "pyOpenSSL", "PIL": "Pillow", "RPi": "RPi.GPIO",
    "Xlib": "python-xlib", "absl": "absl-py", "attr": "attrs", "bs4": "beautifulsoup4",
    "bson": "pymongo", "cairo": "pycairo", "can": "python-can", "cassandra": "cassandra-driver",
    "corsheaders": "django-cors-headers", "cv2": "opencv-python-headless", "dateutil": "python-dateutil",
    "discord": "discord.py", "dns": "dnspython", "docx": "python-docx", "dotenv": "python-dotenv",
    "email_validator": "email-validator", "engineio": "python-engineio", "factory": "factory-boy",
    "faiss": "faiss-cpu", "fitz": "PyMuPDF", "flask_cors": "Flask-Cors", "flask_login": "Flask-Login",
    "flask_sqlalchemy": "Flask-SQLAlchemy", "flask_wtf": "Flask-WTF", "git": "GitPython",
    "google.cloud.bigquery": "google-cloud-bigquery", "google.cloud.storage": "google-cloud-storage",
    "google.protobuf": "protobuf", "googleapiclient": "google-api-python-client", "grpc": "grpcio",
    "jose": "python-jose", "jwt": "PyJWT", "kafka": "kafka-python", "ldap": "python-ldap",
    "magic": "python-magic", "mpl_toolkits": "matplotlib", "multipart": "python-multipart",
    "nacl": "PyNaCl", "newspaper": "newspaper3k", "pkg_resources": "setuptools",
    "pptx": "python-pptx", "psycopg2": "psycopg2-binary", "pyautogui": "PyAutoGUI",
    "pylab": "matplotlib", "pymysql": "PyMySQL", "readability": "readability-lxml",
    "rest_framework": "djangorestframework", "ruamel": "ruamel.yaml", "serial": "pyserial",
    "skimage": "scikit-image", "sklearn": "scikit-learn", "slugify": "python-slugify",
    "socketio": "python-socketio", "speech_recognition": "SpeechRecognition",
    "stable_baselines3": "stable-baselines3", "telebot": "pyTelegramBotAPI",
    "telegram": "python-telegram-bot", "umap": "umap-learn", "usb": "pyusb",
    "websocket": "websocket-client", "wx": "wxPython", "yaml": "PyYAML", "zmq": "pyzmq",
    "azure.storage.blob": "azure-storage-blob", "docopt": "docopt", "exifread": "ExifRead",
    "xlsxwriter": "XlsxWriter", "unidecode": "Unidecode", "barcode": "python-barcode",
    "faker": "Faker", "jinja2": "Jinja2", "markdown": "Markdown", "pygments": "Pygments",
    "sentence_transformers": "sentence-transformers", "tensorflow_hub": "tensorflow-hub",
    "typing_extensions": "typing-extensions", "zstandard": "zstandard", "snappy": "python-snappy",
}

# Modules that pip cannot provide: the fix is a system package (an app type), not an install.
SYSTEM_HINTS = {
    "tkinter": "tkinter needs the system package python3-tk: use app type gui_app",
    "_tkinter": "tkinter needs the system package python3-tk: use app type gui_app",
    "gi": "gi (PyGObject) needs system GObject libraries, not a pip install",
    "apt": "apt (python3-apt) is a Debian system package, not on PyPI",
    "osgeo": "osgeo needs the GDAL system libraries (libgdal-dev) before pip install GDAL",
    "win32api": "win32api is Windows-only (pywin32) and cannot run in a Linux container",
    "win32con": "win32con is Windows-only (pywin32) and cannot run in a Linux container",
    "winreg": "winreg is Windows-only and cannot run in a Linux container",
    "msvcrt": "msvcrt is Windows-only and cannot run in a Linux container",
}

# Names a project's own code uses; a PyPI project of the same name is someone else's.
GENERIC_NAMES = frozenset("""
    api app application apps common conf config configs constants core data database db
    helper helpers lib libs local_settings main model models module modules my_module
    mymodule package routes scripts services settings setup src test tests tool tools
    util utils views
""".split())


@dataclass
class Analysis:
    distributions: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)  # refused on purpose (see module doc)


def _own_modules(session_files) -> set[str]:
    names = set()
    for path in session_files:
        parts = PurePosixPath(str(path)).parts
        if parts:
            names.add(PurePosixPath(parts[-1]).stem)
            names.update(p for p in parts[:-1] if p not in ("/", "app"))
    return names


def distribution_for(module: str) -> str:
    """The distribution for a dotted module name (longest curated prefix, else the top name)."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        found = DISTRIBUTIONS.get(".".join(parts[:end]))
        if found:
            return found
    return parts[0]


def local_modules(folder: Path) -> list[str]:
    """Module names a program in `folder` could import from beside itself (as python would)."""
    if not folder.is_dir():
        return []
    return sorted({p.stem for p in folder.glob("*.py")} |
                  {p.name for p in folder.iterdir() if p.is_dir() and p.name.isidentifier()})


def analyze(stderr: str, session_files=(), local=()) -> Analysis:
    """`local`: the user's own modules that are not in the session (beside the file they ran)."""
    analysis = Analysis()
    own = _own_modules(session_files)
    for module in dict.fromkeys(_MISSING.findall(stderr or "")):
        top = module.split(".")[0]
        if top in local and top not in own:
            analysis.unresolved.append(module)
            analysis.hints.append(f"{top} is your own module beside the file you ran, not in the session; "
                                  "msc will not look for it on PyPI")
        elif top in SYSTEM_HINTS:
            hint = SYSTEM_HINTS[top]
            if hint not in analysis.hints:
                analysis.hints.append(hint)
        elif top in sys.stdlib_module_names or top in own or top.lower() in GENERIC_NAMES:
            analysis.unresolved.append(module)
        else:
            name = distribution_for(module)
            if name not in analysis.distributions:
                analysis.distributions.append(name)
    return analysis


def analyze_import_errors(stderr: str, session_files=()) -> list[str]:
    """The PyPI distributions that would fix the missing-module errors in a traceback."""
    return analyze(stderr, session_files).distributions
