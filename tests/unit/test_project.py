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


def test_the_project_is_the_nearest_marked_folder_never_home_and_keeps_python_cwd(tmp_path, monkeypatch):
    from msc_tui.core.project import scan_project

    home = tmp_path / "home"
    (home / ".git").mkdir(parents=True)  # a dotfiles repository in ~
    work = home / "work" / "tool" / "src"
    work.mkdir(parents=True)
    (work / "app.py").write_text("print(1)\n")
    (work / "helpers.py").write_text("")
    (work / "__pycache__").mkdir()
    (work / "__pycache__" / "helpers.cpython-311.pyc").write_bytes(b"\0")
    monkeypatch.setenv("HOME", str(home))
    alone = scan_project(work / "app.py", 200, 100, cwd=tmp_path)
    assert alone.root == work and alone.why == "the script's folder"  # ~ itself is never the project
    assert sorted(alone.files) == ["app.py", "helpers.py"] and alone.cwd == ""  # cwd outside: the script's folder

    (home / "work" / "tool" / "pyproject.toml").write_text("")
    marked = scan_project(work / "app.py", 200, 100, cwd=home / "work" / "tool")
    assert marked.root == home / "work" / "tool" and marked.script == "src/app.py" and marked.cwd == ""
    assert scan_project(work / "app.py", 200, 100, cwd=work).cwd == "src"
    with pytest.raises(UsageError, match=r"largest folders: src/"):
        scan_project(work / "app.py", 200, 1, cwd=work)


def test_homes_temp_and_root_never_travel_nor_credentials_nor_msc_own_output(tmp_path, monkeypatch):
    import tempfile
    from pathlib import Path

    from msc_tui.core.project import scan_project
    from msc_tui.core.travel import is_credential, never_a_project

    home = tmp_path / "home"
    (home / "proj" / ".aws").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("MSC_HOME", str(home / "proj" / "state"))
    assert never_a_project(home) == "your home folder"
    assert never_a_project(tmp_path) == "a folder above your home folder"
    assert never_a_project(Path("/")) == "the filesystem's root"
    assert never_a_project(Path(tempfile.gettempdir()).resolve()) is not None
    assert never_a_project(home / "proj") is None
    assert all(map(is_credential, [".bash_history", ".zsh_history", ".python_history", ".netrc", ".ssh"]))
    assert all(map(is_credential, [".env", ".env.local", ".env.production", ".envrc", "id_ed25519", ".pgpass"]))
    assert not is_credential("history.csv") and not is_credential(".env.example") and not is_credential("env.py")

    root = home / "proj"
    (root / "pyproject.toml").write_text("")
    (root / "state").mkdir()
    (root / "state" / "sessions.toml").write_text("")
    (root / ".aws" / "credentials").write_text("secret")
    (root / "app.py").write_text("print(1)\n")
    (root / "out.json").write_text("")
    (root / "keep.txt").write_text("")
    (root / "keep.txt").chmod(0o600)
    out = (root / "out.json").stat()
    scanned = scan_project(root / "app.py", 200, 100, cwd=root, outputs=frozenset({(out.st_dev, out.st_ino)}))
    assert sorted(scanned.files) == ["app.py", "keep.txt", "pyproject.toml"]  # not msc's own output file
    assert scanned.left_out == [".aws", "state"] and scanned.files["keep.txt"][2] == 0o600

    (home / "helpers.py").write_text("X = 1\n")
    (home / "notes.txt").write_text("")
    (home / "fix.py").write_text("import helpers\n")
    alone = scan_project(home / "fix.py", 200, 100, cwd=home)
    assert alone.alone and alone.why == "your home folder" and sorted(alone.files) == ["fix.py", "helpers.py"]


def test_a_loop_of_links_in_the_project_is_skipped_like_a_dangling_one(tmp_path):
    from msc_tui.core.project import scan_project

    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "main.py").write_text("print(1)\n")
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    (tmp_path / "gone").symlink_to("nowhere")
    scanned = scan_project(tmp_path / "main.py", 200, 100, cwd=tmp_path)
    assert sorted(scanned.files) == ["main.py", "pyproject.toml"]


def test_the_project_note_says_the_size_sent_as_df_and_clean_do(tmp_path):
    """44 bytes are 44B (they were "1 KiB"), in the units of df and clean."""
    from msc_tui.core.project import Project
    from msc_tui.core.project_notes import project_notes

    project = Project(tmp_path, "the script's folder", {"app.py": (44, 1, 0o644)}, "app.py", "")
    for sent, shown in ((44, "44B"), (3700, "3.6KB"), (5 * 2**20, "5.0MB")):
        done = {"sent_files": 1, "files": 1, "sent_bytes": sent, "deleted": [], "replaced": None, "left_out": []}
        assert f"sent 1 of 1 file ({shown})" in project_notes(done, project, "me@here")[0]
