"""Import name -> distribution: how often msc is right, and whether it ever installs what it must not.

Targets (correction issue): at least 98% right over 150+ real import names, 0 unsafe. "Right"
means: the distribution the code means, or nothing at all for names that must never be
installed (standard library, generic names a project's own code uses, misspellings,
namespace roots, platform-only modules). "Unsafe" means an install where none is right, or
of another distribution than the one meant. Also times loading the map (target < 20 ms).
    python bench/import_names.py
"""

from __future__ import annotations

import re
import subprocess
import sys

from msc_tui.core.imports import analyze

MEANT = {  # import name -> distribution (mismatched names first, then identity names)
    "yaml": "pyyaml", "sklearn": "scikit-learn", "PIL": "pillow", "cv2": "opencv-python-headless",
    "bs4": "beautifulsoup4", "dateutil": "python-dateutil", "socks": "pysocks", "github": "pygithub",
    "paho": "paho-mqtt", "whisper": "openai-whisper", "imblearn": "imbalanced-learn", "pdfminer": "pdfminer.six",
    "antlr4": "antlr4-python3-runtime", "attr": "attrs", "jwt": "pyjwt", "serial": "pyserial",
    "magic": "python-magic", "kafka": "kafka-python", "telegram": "python-telegram-bot", "docx": "python-docx",
    "dotenv": "python-dotenv", "OpenSSL": "pyopenssl", "Crypto": "pycryptodome", "fitz": "pymupdf",
    "skimage": "scikit-image", "google.protobuf": "protobuf", "google.cloud.storage": "google-cloud-storage",
    "google.cloud.bigquery": "google-cloud-bigquery", "azure.storage.blob": "azure-storage-blob",
    "ruamel.yaml": "ruamel.yaml", "zmq": "pyzmq", "usb": "pyusb", "websocket": "websocket-client",
    "nacl": "pynacl", "git": "gitpython", "dns": "dnspython", "Bio": "biopython", "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary", "pymysql": "pymysql", "jose": "python-jose", "slugify": "python-slugify",
    "multipart": "python-multipart", "grpc": "grpcio", "googleapiclient": "google-api-python-client",
    "absl": "absl-py", "umap": "umap-learn", "faiss": "faiss-cpu", "pptx": "python-pptx",
    "rest_framework": "djangorestframework", "corsheaders": "django-cors-headers", "mpl_toolkits": "matplotlib",
    "pkg_resources": "setuptools", "typing_extensions": "typing-extensions", "speech_recognition": "speechrecognition",
    "wx": "wxpython", "Levenshtein": "levenshtein", "xlsxwriter": "xlsxwriter",
    "pythonjsonlogger": "python-json-logger",
    "markdown_it": "markdown-it-py", "jinja2": "jinja2", "google.auth": "google-auth", "lxml": "lxml",
    "sentence_transformers": "sentence-transformers", "llama_cpp": "llama-cpp-python", "docker": "docker",
    "requests": "requests", "numpy": "numpy", "pandas": "pandas", "scipy": "scipy", "matplotlib": "matplotlib",
    "flask": "flask", "django": "django", "fastapi": "fastapi", "uvicorn": "uvicorn", "pydantic": "pydantic",
    "sqlalchemy": "sqlalchemy", "click": "click", "rich": "rich", "typer": "typer", "httpx": "httpx",
    "aiohttp": "aiohttp", "boto3": "boto3", "botocore": "botocore", "torch": "torch", "tensorflow": "tensorflow",
    "transformers": "transformers", "tqdm": "tqdm", "seaborn": "seaborn", "plotly": "plotly", "pytest": "pytest",
    "redis": "redis", "pymongo": "pymongo", "celery": "celery", "tabulate": "tabulate", "six": "six",
    "cowsay": "cowsay", "emoji": "emoji", "arrow": "arrow", "pendulum": "pendulum", "toml": "toml",
    "openpyxl": "openpyxl", "xlrd": "xlrd", "networkx": "networkx", "sympy": "sympy", "statsmodels": "statsmodels",
    "xgboost": "xgboost", "lightgbm": "lightgbm", "catboost": "catboost", "nltk": "nltk", "spacy": "spacy",
    "gensim": "gensim", "openai": "openai", "anthropic": "anthropic", "langchain": "langchain",
    "streamlit": "streamlit", "gradio": "gradio", "dash": "dash", "bokeh": "bokeh", "altair": "altair",
    "paramiko": "paramiko", "fabric": "fabric", "psutil": "psutil", "colorama": "colorama", "termcolor": "termcolor",
    "pyfiglet": "pyfiglet", "qrcode": "qrcode", "PyPDF2": "pypdf2", "pypdf": "pypdf", "selenium": "selenium",
    "scrapy": "scrapy", "feedparser": "feedparser", "tweepy": "tweepy", "praw": "praw", "pygame": "pygame",
    "kivy": "kivy", "shapely": "shapely", "geopandas": "geopandas", "folium": "folium", "h5py": "h5py",
    "pyarrow": "pyarrow", "polars": "polars", "duckdb": "duckdb", "orjson": "orjson", "ujson": "ujson",
    "marshmallow": "marshmallow", "cryptography": "cryptography", "bcrypt": "bcrypt", "passlib": "passlib",
    "mock": "mock", "hypothesis": "hypothesis", "faker": "faker", "loguru": "loguru", "structlog": "structlog",
    "pexpect": "pexpect", "sh": "sh", "watchdog": "watchdog", "schedule": "schedule", "apscheduler": "apscheduler",
    "joblib": "joblib", "numba": "numba", "onnx": "onnx", "keras": "keras", "jax": "jax", "optuna": "optuna",
}
NEVER = [  # must never be installed
    "json", "os", "asyncio", "tkinter", "sqlite3", "csv", "collections", "typing", "dataclasses", "pathlib",
    "utils", "config", "models", "src", "test", "tests", "helpers", "settings", "app", "core", "db",
    "reqeusts", "numpyy", "pandsa", "matplotlb", "sklean", "flsk", "tourch", "beautifulsoup5", "requets",
    "google", "azure", "zope", "win32api", "win32com", "winreg", "msvcrt", "gi", "dbus", "apt",
    "StringIO", "urllib2", "ConfigParser",  # Python 2's standard library
]


def normalize(name: str | None) -> str | None:
    return re.sub(r"[-_.]+", "-", name).lower() if name else None


def main() -> None:
    right = unsafe = 0
    wrong = []
    cases = [*MEANT.items(), *((name, None) for name in NEVER)]
    for module, meant in cases:
        chosen = analyze(f"ModuleNotFoundError: No module named '{module}'\n").distributions
        got = normalize(chosen[0]) if chosen else None
        if got == normalize(meant):
            right += 1
        else:
            wrong.append(f"{module}: meant {meant}, got {got}")
            unsafe += got is not None
    load = subprocess.run([sys.executable, "-c", "import time\nfrom msc_tui.core.imports import data_map\n"
                           "t = time.perf_counter()\ndata_map()\nprint((time.perf_counter() - t) * 1000)"],
                          capture_output=True, text=True)
    print(f"{len(cases)} import names ({len(MEANT)} with a distribution, {len(NEVER)} never installed)")
    print(f"right: {right}/{len(cases)} = {100 * right / len(cases):.1f}% (target >= 98%)")
    print(f"unsafe: {unsafe} (target 0)")
    print(f"loading the map in a fresh process: {float(load.stdout):.1f} ms (target < 20 ms)")
    for line in wrong:
        print("  " + line)


if __name__ == "__main__":
    main()
