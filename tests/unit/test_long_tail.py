"""The long-tail rule given the index's facts, and the probe's reading of published files
(in-memory archives shaped like the real ones: MIDIUtil's sdist, aztec_code_generator's wheel)."""

import asyncio
import io
import tarfile
import zipfile
from datetime import datetime, timedelta, timezone

from msc_tui.core import index_probe
from msc_tui.core.imports import Analysis, analyze, near_miss
from msc_tui.core.index_answers import Answer, IndexAnswers
from msc_tui.core.long_tail import Facts, contested, long_tail_refusal, read_facts, successor_choice

NOW = datetime(2026, 12, 6, tzinfo=timezone.utc)


def ago(days: int) -> str:
    return (NOW - timedelta(days=days)).isoformat().replace("+00:00", "Z")


def answer(filenames_and_ages, inspected=None, tops=()):
    files = [{"filename": f, "upload_time": ago(d), "yanked": False} for f, d in filenames_and_ages]
    return {"name": "x", "files": files, "inspected": inspected, "top_level": list(tops)}


MIDIUTIL = answer([("MIDIUtil-1.1.3.tar.gz", 3000), ("MIDIUtil-1.2.1.tar.gz", 2900)], "MIDIUtil-1.2.1.tar.gz",
                  ["midiutil"])


def test_a_project_named_after_the_module_that_provides_it_with_a_history_is_taken():
    assert long_tail_refusal("midiutil", read_facts(MIDIUTIL), NOW) is None
    rss = answer([("PyRSS2Gen-1.0.0.tar.gz", 6000), ("PyRSS2Gen-1.1.tar.gz", 5000)], "PyRSS2Gen-1.1.tar.gz",
                 ["PyRSS2Gen"])
    assert long_tail_refusal("PyRSS2Gen", read_facts(rss), NOW) is None
    assert read_facts(rss).project == "PyRSS2Gen"


def test_each_missing_fact_is_a_refusal_with_its_reason():
    fresh = answer([("midiutil-1.0.tar.gz", 10), ("midiutil-1.1.tar.gz", 5)], "midiutil-1.1.tar.gz", ["midiutil"])
    single = answer([("midiutil-1.0.tar.gz", 900)], "midiutil-1.0.tar.gz", ["midiutil"])
    other = answer([("midiutil-1.0.tar.gz", 900), ("midiutil-1.1.tar.gz", 800)], "midiutil-1.1.tar.gz", ["evil"])
    named = answer([("midi-util2-1.0.tar.gz", 900), ("midi-util2-1.1.tar.gz", 800)], "midi-util2-1.1.tar.gz",
                   ["midiutil"])
    cases = {"first published less than 90 days ago": fresh, "1 release(s)": single,
             "does not provide a top-level midiutil": other, "no project on the index is named after it": named,
             "could not confirm it (HTTPError: HTTP Error 404": {"error": "HTTPError: HTTP Error 404: Not Found"}}
    for reason, said in cases.items():
        assert reason in long_tail_refusal("midiutil", read_facts(said), NOW), reason
    # the case of the module counts: Linux imports `midiutil`, not `MidiUtil`
    assert "does not provide" in long_tail_refusal("MidiUtil", read_facts(MIDIUTIL), NOW)
    # yanked files are no history; a name that is not a project name is not trusted
    yanked = answer([("midiutil-1.0.tar.gz", 900), ("midiutil-1.1.tar.gz", 800)], "midiutil-1.1.tar.gz", ["midiutil"])
    yanked["files"][0]["yanked"] = True
    assert "1 release(s)" in long_tail_refusal("midiutil", read_facts(yanked), NOW)
    assert read_facts(answer([("a-1.tar.gz", 900)], "$(rm -rf)-1.tar.gz", ["a"])).project is None


def test_the_long_tail_is_asked_only_for_unknown_names_never_slips_or_generic_ones():
    for name in ("midiutil", "PyRSS2Gen", "aztec_code_generator", "fpdf"):
        assert analyze("", modules=[name]).unknown == [name], name
    for name in ("reqeusts", "numpyy", "pandsa", "matplotlb", "sklean", "flsk", "tourch", "beautifulsoup5",
                 "requets", "utils", "config", "models", "enum", "tomllib", "StringIO", "google"):
        result = analyze("", modules=[name])
        assert result.unknown == [] and result.distributions == [], name
    assert near_miss("reqeusts", ["requests"]) and not near_miss("midiutil", ["mdutils", "idutils"])


def test_a_maintained_successor_with_a_clear_lead_is_chosen_and_said_why():
    assert contested()["fpdf"] == [("fpdf2", 9201492), ("fpdf", 5854283)]  # bundled downloads, 2026-04-01
    old = read_facts(answer([("fpdf-1.7.zip", 5200), ("fpdf-1.7.2.tar.gz", 4300)]))
    new = read_facts(answer([("fpdf2-2.8.8.tar.gz", 200), ("fpdf2-2.8.9.tar.gz", 70)]))
    chosen, why = successor_choice("fpdf", {"fpdf": old, "fpdf2": new}, NOW)
    assert chosen == "fpdf2" and "maintained successor of fpdf" in why and "9.2M" in why
    # the old project still releasing, or the index not answering for it: no choice
    alive = read_facts(answer([("fpdf-1.8.tar.gz", 100)]))
    assert successor_choice("fpdf", {"fpdf": alive, "fpdf2": new}, NOW)[0] is None
    assert successor_choice("fpdf", {"fpdf": Facts(error="timeout"), "fpdf2": new}, NOW)[0] is None
    stale = read_facts(answer([("fpdf2-2.0.tar.gz", 2000)]))
    assert successor_choice("fpdf", {"fpdf": old, "fpdf2": stale}, NOW)[0] is None


def test_answers_replace_the_refusal_and_refusals_say_why():
    index = IndexAnswers(packages=None)  # answers known already: nothing is asked
    index.answers = {"midiutil": Answer("MIDIUtil", "midiutil: installing MIDIUtil, ..."),
                     "leftpad": Answer(None, "no project on the index is named after it"),
                     "aztec_code_generator": Answer(None, "the index could not confirm it (timeout)")}
    analysis = analyze("", modules=["midiutil", "leftpad", "aztec_code_generator"])
    assert isinstance(analysis, Analysis) and analysis.unknown == ["midiutil", "leftpad", "aztec_code_generator"]
    asyncio.run(index.complete(None, analysis))
    assert analysis.distributions == ["MIDIUtil"] and analysis.provides == {"MIDIUtil": "midiutil"}
    assert analysis.unresolved == ["leftpad", "aztec_code_generator"]
    assert list(analysis.suggestions) == ["aztec_code_generator"]  # midiutil's (mdutils) went with its answer
    assert analysis.hints[0].startswith("leftpad is not in msc's bundled map and the index check did not confirm")
    assert analysis.hints[1].startswith("no known module is named aztec_code_generator: did you mean")
    assert analysis.hints[2] == "midiutil: installing MIDIUtil, ..."
    assert "aztec_code_generator is not in msc's bundled map" in analysis.hints[3] and "timeout" in analysis.hints[3]


def test_the_probe_reads_what_a_wheel_and_an_sdist_provide():
    wheel = io.BytesIO()
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in ("aztec_code_generator.py", "aztec_code_generator-0.12.dist-info/RECORD",
                     "x.data/purelib/extra_mod/__init__.py", "_speedups.cpython-311-x86_64-linux-gnu.so"):
            archive.writestr(name, "")
        archive.writestr("aztec_code_generator-0.12.dist-info/top_level.txt", "listed\n")
    assert index_probe.provided(wheel.getvalue(), "a-1-py3-none-any.whl") == {
        "aztec_code_generator", "extra_mod", "_speedups", "listed"}
    sdist = io.BytesIO()
    with tarfile.open(fileobj=sdist, mode="w:gz") as archive:
        for name, text in (("MIDIUtil-1.2.1/src/midiutil/__init__.py", b""), ("MIDIUtil-1.2.1/setup.py", b""),
                           ("MIDIUtil-1.2.1/examples/single_note.py", b""), ("MIDIUtil-1.2.1/tools.py", b""),
                           ("MIDIUtil-1.2.1/x.egg-info/top_level.txt", b"midiutil\nother\n")):
            info = tarfile.TarInfo(name)
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text))
    assert index_probe.provided(sdist.getvalue(), "MIDIUtil-1.2.1.tar.gz") == {"midiutil", "tools", "other"}


def test_the_probe_takes_the_newest_stable_release_and_a_pure_wheel_first():
    files = [{"filename": "p-1.0.tar.gz", "upload-time": "2020-01-01T00:00:00Z"},
             {"filename": "p-1.1-cp311-cp311-linux_x86_64.whl", "upload-time": "2021-01-01T00:00:00Z"},
             {"filename": "p-1.1-py3-none-any.whl", "upload-time": "2021-01-01T00:00:01Z"},
             {"filename": "p-1.1.tar.gz", "upload-time": "2021-01-01T00:00:02Z"},
             {"filename": "p-2.0rc1.tar.gz", "upload-time": "2022-01-01T00:00:00Z"},
             {"filename": "p-1.2.tar.gz", "upload-time": "2022-06-01T00:00:00Z", "yanked": "broken"}]
    assert index_probe.newest_file(files)["filename"] == "p-1.1-py3-none-any.whl"
    assert index_probe.newest_file(files[:1])["filename"] == "p-1.0.tar.gz"
    assert index_probe.newest_file(files[4:]) is None
