import pytest

from msc_tui.core import project
from msc_tui.core.project import companions
from msc_tui.errors import UsageError


def test_sends_what_the_script_imports_transitively_and_nothing_else(tmp_path):
    (tmp_path / "app.py").write_text("import helpers\nfrom shop import cart\nimport json\n")
    (tmp_path / "helpers.py").write_text("import pricing\n")
    (tmp_path / "pricing.py").write_text("RATE = 2\n")
    (tmp_path / "unused.py").write_text("raise SystemExit('never sent')\n")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "cart.py").write_text("from . import tax\n")
    (tmp_path / "shop" / "tax.py").write_text("VAT = 0.2\n")
    (tmp_path / "shop" / "notes.txt").write_text("not code")
    sent = companions(tmp_path / "app.py")
    assert sorted(sent) == ["helpers.py", "pricing.py", "shop/__init__.py", "shop/cart.py", "shop/tax.py"]
    assert sent["pricing.py"] == "RATE = 2\n"


def test_a_script_alone_sends_nothing_and_huge_folders_are_refused(tmp_path, monkeypatch):
    (tmp_path / "app.py").write_text("import big\n")
    assert companions(tmp_path / "app.py") == {}
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    monkeypatch.setattr(project, "MAX_BYTES", 100)
    with pytest.raises(UsageError, match="exceed"):
        companions(tmp_path / "app.py")


def test_a_source_that_is_not_utf8_is_one_clear_error(tmp_path):
    (tmp_path / "app.py").write_bytes(b"print('caf\xe9')\n")
    with pytest.raises(UsageError, match="not a UTF-8 Python source file"):
        companions(tmp_path / "app.py")
