from msc_tui import analyze_import_errors
from msc_tui.core.imports import DISTRIBUTIONS, analyze

TRACEBACK = """Traceback (most recent call last):
  File "/app/main.py", line 1, in <module>
    import {name}
ModuleNotFoundError: No module named '{name}'
"""


def test_common_mismatches_map_to_their_distribution():
    for module, dist in {"cv2": "opencv-python-headless", "sklearn": "scikit-learn", "PIL": "Pillow",
                         "yaml": "PyYAML", "bs4": "beautifulsoup4", "dateutil": "python-dateutil"}.items():
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


def test_mapping_has_no_generic_or_self_mapped_noise():
    for module, dist in DISTRIBUTIONS.items():
        assert module and dist and " " not in dist, module


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
