from msc_tui import analyze_import_errors
from msc_tui.core.correction import code_imports
from msc_tui.core.imports import CURATED, analyze, data_map, distribution_for, suggest

TRACEBACK = """Traceback (most recent call last):
  File "/app/main.py", line 1, in <module>
    import {name}
ModuleNotFoundError: No module named '{name}'
"""


def test_common_mismatches_map_to_their_distribution():
    for module, dist in {"cv2": "opencv-python-headless", "sklearn": "scikit-learn", "PIL": "pillow",
                         "yaml": "pyyaml", "bs4": "beautifulsoup4", "dateutil": "python-dateutil",
                         "socks": "pysocks", "github": "pygithub", "paho": "paho-mqtt", "whisper": "openai-whisper",
                         "imblearn": "imbalanced-learn", "pdfminer": "pdfminer-six",
                         "antlr4": "antlr4-python3-runtime"}.items():
        assert analyze_import_errors(TRACEBACK.format(name=module)) == [dist]


def test_dotted_names_map_from_their_top_level_or_a_curated_prefix():
    assert analyze_import_errors(TRACEBACK.format(name="sklearn.ensemble")) == ["scikit-learn"]
    assert analyze_import_errors(TRACEBACK.format(name="google.protobuf.message")) == ["protobuf"]
    assert analyze_import_errors(TRACEBACK.format(name="requests.adapters")) == ["requests"]


def test_old_style_import_error_and_several_errors_deduplicated():
    stderr = "ImportError: No module named pandas\n" + TRACEBACK.format(name="pandas") + \
             TRACEBACK.format(name="numpy")
    assert analyze_import_errors(stderr) == ["pandas", "numpy"]


def test_never_guesses_for_stdlib_own_files_and_generic_names():
    for name in ("json", "asyncio.subprocess", "utils", "helpers", "config", "models", "src", "app"):
        assert analyze_import_errors(TRACEBACK.format(name=name)) == [], name
    assert analyze_import_errors(TRACEBACK.format(name="mylib"), session_files=["main.py", "mylib.py"]) == []
    assert analyze_import_errors(TRACEBACK.format(name="pkg.sub"), session_files=["pkg/sub.py"]) == []
    assert analyze(TRACEBACK.format(name="utils")).unresolved == ["utils"]


def test_system_modules_become_hints_not_installs():
    result = analyze(TRACEBACK.format(name="tkinter"))
    assert result.distributions == [] and "python3-tk" in result.hints[0] and "gui_app" in result.hints[0]


def test_nothing_to_find_in_a_clean_or_unrelated_error():
    assert analyze_import_errors("") == []
    assert analyze_import_errors("ImportError: cannot import name 'x' from 'y'") == []


def test_mapping_rules_generic_names_and_self_mapping():
    modules = data_map()
    assert len(modules) > 10_000
    # names many popular projects ship by accident are dropped, never mapped
    assert not {"tests", "test", "docs", "src", "examples", "scripts"} & set(modules)
    # a module named like its distribution maps to itself; one named otherwise to the popular provider
    assert modules["requests"] == "requests" and modules["numpy"] == "numpy"
    assert distribution_for("requests.adapters") == "requests"
    # generic names stay unresolved even where some project of that name exists
    for name in ("config", "utils", "app"):
        result = analyze(TRACEBACK.format(name=name))
        assert result.distributions == [] and result.unresolved == [name], name
    for module, dist in CURATED.items():
        assert module and dist and " " not in dist, module


def test_misspellings_get_suggestions_and_are_never_installed():
    result = analyze(TRACEBACK.format(name="reqeusts"))
    assert result.distributions == [] and result.unresolved == ["reqeusts"]
    assert result.suggestions["reqeusts"][0] == "requests" and "did you mean requests" in result.hints[0]
    assert suggest("pandsa")[0] == "pandas"


def test_namespaces_and_platform_modules_are_hints_not_installs():
    for name, words in (("google", "namespace"), ("win32api", "Windows-only"), ("gi", "python3-gi"),
                        ("dbus", "python3-dbus")):
        result = analyze(TRACEBACK.format(name=name))
        assert result.distributions == [] and words in result.hints[0], name
    assert analyze(TRACEBACK.format(name="google.cloud.storage")).distributions == ["google-cloud-storage"]


def test_libraries_that_say_in_words_what_they_miss():
    pandas = "ImportError: Missing optional dependency 'tabulate'.  Use pip or conda to install tabulate."
    plotly = "ImportError: Plotly Express requires numpy to be installed."
    assert analyze_import_errors(pandas) == ["tabulate"] and analyze_import_errors(plotly) == ["numpy"]
    assert analyze_import_errors("ValueError: Missing optional dependency 'made_up_thing'") == []


def test_code_imports_skip_what_the_code_already_handles():
    code = """
import os, yaml
from bs4 import BeautifulSoup
from . import sibling
try:
    import ujson as json
except ImportError:
    import json
try:
    import orjson
except (ModuleNotFoundError, AttributeError):
    orjson = None
def later():
    import requests.adapters
"""
    assert code_imports([code, "import numpy\nimport yaml\n", "not python ("]) == [
        "os", "yaml", "bs4", "json", "requests.adapters", "numpy"]


def test_own_modules_beside_the_file_are_never_looked_up(tmp_path):
    from msc_tui.core.imports import local_modules

    (tmp_path / "payments.py").write_text("")
    (tmp_path / "billing").mkdir()
    (tmp_path / "not-a-module").mkdir()
    local = local_modules(tmp_path)
    assert local == ["billing", "payments"]
    stderr = TRACEBACK.format(name="payments") + TRACEBACK.format(name="billing.core") + \
        TRACEBACK.format(name="requests")
    result = analyze(stderr, (), local)
    assert result.distributions == ["requests"] and result.unresolved == ["payments", "billing.core"]
    assert "payments is your own module" in result.hints[0]


def test_a_missing_or_broken_map_warns_once_and_the_curated_layer_still_works(tmp_path, monkeypatch, capsys):
    from msc_tui.core import imports

    broken = tmp_path / "import_map.json"
    broken.write_text("{not json")
    monkeypatch.setattr(imports, "IMPORT_MAP", broken)
    imports.data_map.cache_clear()
    imports._known_names.cache_clear()
    try:
        assert analyze_import_errors(TRACEBACK.format(name="cv2")) == ["opencv-python-headless"]
        assert analyze_import_errors(TRACEBACK.format(name="yaml")) == []  # unknown now: never guessed
        assert capsys.readouterr().err.count("import map") == 1
    finally:
        imports.data_map.cache_clear()
        imports._known_names.cache_clear()
