"""The long tail and library words against the real engine and the real package index:
one `msc run --new --auto-install` of a script needing a distribution outside the bundled map
(aztec_code_generator), a script that catches its own ImportError and says "pip install
tabulate", a stdlib-only failure that installs nothing; and the index check by itself
(fpdf's maintained successor, an unknown name refused), from an install-only session."""

from __future__ import annotations

import asyncio
import json

from tests.integration.test_packages import pip_list

# aztec_code_generator: outside the bundled map, and alike (not a slip of) datamodel_code_generator
AZTEC = "from aztec_code_generator import AztecCode\nAztecCode('msc').print_out()\n"
CATCHES = ("import importlib, sys\n\ndef table():\n    try:\n        return importlib.import_module('tabulate')\n"
           "    except ImportError:\n        print('this tool needs tabulate: pip install tabulate')\n"
           "        sys.exit(1)\n\nprint(table().tabulate([[1, 2]]))\n")
STDLIB_ONLY = ("import enum, tomllib\ntry:\n    import simplejson as json\nexcept ImportError:\n    import json\n"
               "raise SystemExit(json.dumps({'enum': enum.__name__, 'toml': tomllib.__name__}))\n")


def test_one_auto_install_run_fixes_a_long_tail_import_and_a_library_that_says_it_in_words(
        msc, tmp_path, docker_client):
    script = tmp_path / "aztec.py"
    script.write_text(AZTEC)
    # Without --auto-install the proposal is the same (the TUI's F9, the CLI's hint), installing nothing.
    plain = json.loads(msc("run", "--new", "--json", str(script)).stdout)
    assert not plain["success"] and plain["missing_packages"] == ["aztec_code_generator"], plain
    sid = plain["session"]
    assert "aztec_code_generator" not in {name.replace("-", "_") for name in pip_list(docker_client, sid)}
    done = msc("run", "-s", sid, "--auto-install", "--json", str(script))
    result = json.loads(done.stdout)
    assert result["success"], done.stderr + result["stderr"]
    assert "#" in result["stdout"] and result["auto_installed"] == ["aztec_code_generator"]
    assert any(h.startswith("aztec_code_generator: installing aztec_code_generator, not in msc's bundled map but "
                            "verified on the index") for h in result["hints"]), result["hints"]
    assert result["suggestions"] == {} and result["unresolved_imports"] == []
    # the index confirmed it: no leftover "did you mean datamodel_code_generator?" from the first run
    assert not any(h.startswith("no known module is named aztec_code_generator") for h in result["hints"]), \
        result["hints"]
    listed = {name.replace("-", "_") for name in pip_list(docker_client, sid)}  # the container itself, not msc
    assert "aztec_code_generator" in listed

    caught = json.loads(msc("run", "-s", sid, "--auto-install", "--json", "-", input=CATCHES).stdout)
    assert caught["success"] and caught["auto_installed"] == ["tabulate"], caught
    assert "tabulate" in pip_list(docker_client, sid)

    before = pip_list(docker_client, sid)
    plain = json.loads(msc("run", "-s", sid, "--auto-install", "--json", "-", input=STDLIB_ONLY).stdout)
    assert not plain["success"] and plain["auto_installed"] == [] and plain["missing_packages"] == []
    assert plain["auto_install_stopped"] == "nothing to install: the failure is not a missing import"
    assert pip_list(docker_client, sid) == before


def test_the_index_check_from_an_install_only_session_and_the_bundled_only_setting(
        msc_home, new_session, docker_client):
    from msc_tui.core.imports import analyze
    from msc_tui.core.index_answers import IndexAnswers
    from msc_tui.core.service import Msc

    sid = new_session(network="install-only")
    before = pip_list(docker_client, sid)

    async def check(modules):
        msc = await Msc.open(warm=False)
        try:
            analysis = analyze("", modules=modules)
            await IndexAnswers(msc.packages).complete(msc.sessions.resolve(sid), analysis)
            return analysis
        finally:
            await msc.close()

    found = asyncio.run(check(["fpdf", "msc_no_such_module_qz"]))
    assert found.distributions == ["fpdf2"] and found.unresolved == ["msc_no_such_module_qz"]
    assert any("maintained successor of fpdf" in h for h in found.hints), found.hints
    assert any("index check did not confirm" in h and "404" in h for h in found.hints), found.hints
    assert pip_list(docker_client, sid) == before  # asking installs nothing

    (msc_home / "config.toml").write_text('[correction]\nanswers = "bundled"\n')
    bundled = asyncio.run(check(["fpdf"]))
    assert bundled.distributions == [] and '[correction] answers = "bundled"' in bundled.hints[0]
