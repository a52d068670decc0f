"""RunResult: the result dictionary every face returns, and the words for how a run ended."""

import json
from dataclasses import replace

from msc_tui.core.results import RunResult, run_result
from msc_tui.core.state import SessionRecord

# The keys `msc run --json FILE` printed before RunResult existed, in its order (captured from
# a real run of a script that failed on `import reqeusts`, on main at db488c5).
CLI_JSON_KEYS = [
    "success", "exit_code", "stdout", "stderr", "duration_s", "timed_out", "oom_killed", "disk_exceeded",
    "cancelled", "stopped_by", "run_id", "run_path", "preloaded_modules", "container_available",
    "container_supports_pip_install", "installed_packages", "container_name", "session", "file",
    "changed_files", "error", "missing_packages", "unresolved_imports", "suggestions", "hints",
    "auto_installed", "auto_install_stopped", "install_error", "project",
    "stdout_truncated", "stderr_truncated",  # (added after: whether the result's copy was cut at 8 MiB)
]
TRACEBACK = ("Traceback (most recent call last):\n  File \"/app/fail.py\", line 4, in <module>\n"
             "    import reqeusts\nModuleNotFoundError: No module named 'reqeusts'\n")


def record(**changes) -> SessionRecord:
    return SessionRecord("5fd5c9", "msc-dev-session-5fd5c9", "img", "data_app", **changes)


def failed() -> RunResult:
    return run_result(record(installed_packages=["six==1.17.0"]), "/app/fail.py", 1, "hi\n", TRACEBACK, 0.04051,
                      run_id=1, changed=["out.txt", "../escape"])


def test_the_dictionary_has_the_cli_json_keys_in_their_order():
    assert list(failed().as_dict()) == CLI_JSON_KEYS


def test_the_dictionary_holds_what_the_run_gave():
    result = failed().as_dict()
    assert json.loads(json.dumps(result)) == result  # plain JSON, no objects
    assert result["success"] is False and result["exit_code"] == 1 and result["run_id"] == 1
    assert result["stdout"] == "hi\n" and result["stderr"] == TRACEBACK and result["duration_s"] == 0.0405
    assert result["error"] == {"name": "ModuleNotFoundError", "value": "No module named 'reqeusts'",
                               "traceback": TRACEBACK.rstrip()}
    assert result["unresolved_imports"] == ["reqeusts"] and result["missing_packages"] == []
    assert "requests" in result["suggestions"]["reqeusts"]
    assert result["hints"] and "reqeusts" in result["hints"][0]
    assert result["changed_files"] == ["out.txt"]
    assert result["installed_packages"] == ["six==1.17.0"]
    assert (result["container_name"], result["session"], result["file"]) == \
        ("msc-dev-session-5fd5c9", "5fd5c9", "/app/fail.py")
    assert (result["run_path"], result["preloaded_modules"]) == ("exec", 0)
    assert result["container_supports_pip_install"] is True
    assert (result["auto_installed"], result["auto_install_stopped"], result["install_error"],
            result["project"]) == ([], None, None, None)


def test_a_warm_success_and_a_lost_container():
    ok = run_result(record(network="none"), "/app/main.py", 0, "ok\n", "", warm=7).as_dict()
    assert ok["success"] and ok["error"] is None and ok["hints"] == []
    assert (ok["run_path"], ok["preloaded_modules"]) == ("warm", 7)
    assert ok["container_supports_pip_install"] is False
    gone = run_result(record(), "/app/main.py", None, "", "Traceback (most recent call last):\nX: y",
                      container_available=False).as_dict()
    assert gone["container_available"] is False and gone["error"] is None and gone["success"] is False
    assert list(gone) == CLI_JSON_KEYS


def test_the_dictionary_is_a_copy():
    result = failed()
    given = result.as_dict()
    given["hints"].append("changed by the caller")
    given["suggestions"]["x"] = []
    assert "changed by the caller" not in result.hints and "x" not in result.suggestions


def test_stops_in_words_and_their_exit_codes():
    plain = failed()
    assert plain.stop_notice("10g") is None and plain.stopped_exit is None
    disk = replace(plain, disk_exceeded=11 * 1024**3, exit_code=137)
    assert disk.stop_notice("10g") == ("stopped: the session has written 11.0GB, over [limits] disk (10g); "
                                       "remove what it wrote, or start a new session")
    assert disk.stopped_exit == 137
    ctrl_c = replace(plain, cancelled=True, exit_code=130)
    assert ctrl_c.stop_notice("10g") == "interrupted; the program's process tree was killed"
    assert ctrl_c.stopped_exit == 130
    other = replace(ctrl_c, stopped_by="ann@box")
    assert other.stop_notice("10g") == "stopped by ann@box; the program's process tree was killed"
    assert other.stopped_exit == 137  # killed from elsewhere (docs/cli.md), as --json's exit_code says


def test_ends_in_words():
    plain = failed()
    assert plain.end_notices("2g", None) == [] and plain.ending == "exit 1"
    oom = replace(plain, exit_code=137, oom_killed=True)
    assert oom.end_notices("2g", None) == [
        "killed: out of memory (the session's limit is 2g; [limits] memory raises it for new sessions)"]
    assert oom.end_notices("", None)[0].startswith("killed: out of memory (the session's limit is none;")
    assert replace(plain, exit_code=137).end_notices("2g", None) == ["killed (SIGKILL) from outside the program"]
    assert replace(plain, exit_code=137, cancelled=True).end_notices("2g", None) == []
    timed_out = replace(plain, exit_code=124, timed_out=True)
    assert timed_out.end_notices("2g", 2.0) == ["timed out after 2.0s; the program was killed"]  # as msc run said
    assert timed_out.ending == "timed out"


def test_a_stream_past_the_capture_limit_is_flagged_and_streamed_whole():
    from msc_tui.core.run_capture import CAPTURE_LIMIT, Capture

    shown: list[str] = []
    capture = Capture(lambda stream, text: shown.append(text) if stream == "stdout" else None)
    chunk = b"x" * 100_000  # (frames come in any size: the copy stops at the limit exactly)
    for _ in range(CAPTURE_LIMIT // len(chunk) + 2):
        capture("stdout", chunk)
    capture("stderr", b"small\n")
    assert capture.cut == {"stdout"} and sum(map(len, shown)) == (CAPTURE_LIMIT // len(chunk) + 2) * len(chunk)
    result = run_result(record(), "/app/main.py", 0, capture.result("stdout"), capture.result("stderr"),
                        truncated=capture.cut).as_dict()
    assert (result["stdout_truncated"], result["stderr_truncated"]) == (True, False)
    assert len(result["stdout"]) == CAPTURE_LIMIT and result["stderr"] == "small\n"
