import pytest

from msc_tui.cli.render import table
from msc_tui.config import parse_size
from msc_tui.core.packages import validate_specs
from msc_tui.core.results import structured_error
from msc_tui.core.run_input import check_filename
from msc_tui.core.sessions import parse_duration
from msc_tui.errors import UsageError
from msc_tui.formatting import when


def test_specs_accept_names_extras_and_versions():
    assert validate_specs(["pandas", "numpy>=2", "requests[socks]==2.*", "A_b.c"]) == \
        ["pandas", "numpy>=2", "requests[socks]==2.*", "A_b.c"]


@pytest.mark.parametrize("spec", ["-e", "--index-url=x", "-r", "https://x/y.whl", "./path", "../p", "/abs",
                                  "requests; rm -rf /", "a && b", "$(id)", "`id`", "pkg @ file:///x",
                                  "requests; python_version > '3'", ""])
def test_specs_refuse_options_urls_paths_and_shell(spec):
    with pytest.raises(UsageError, match="refused"):
        validate_specs([spec])


def test_no_specs_at_all():
    with pytest.raises(UsageError):
        validate_specs([])


def test_durations_and_memory_sizes():
    assert [parse_duration(d) for d in ("90s", "30m", "12h", "7d", "1.5h")] == [90, 1800, 43200, 604800, 5400]
    for bad in ("soon", "10", "-1d", "3y"):
        with pytest.raises(UsageError):
            parse_duration(bad)
    assert parse_size("512m") == 512 * 1024**2 and parse_size("2g") == 2 * 1024**3 and parse_size("") == 0
    with pytest.raises(UsageError):
        parse_size("lots")


def test_file_names_stay_inside_the_session():
    assert check_filename("main.py") == "main.py" and check_filename("pkg/mod.py") == "pkg/mod.py"
    for bad in ("../x.py", "/etc/x.py", "x.txt", "a b.py", "pkg/../../x.py"):
        with pytest.raises(UsageError):
            check_filename(bad)


def test_structured_error_takes_the_last_exception():
    stderr = ('Traceback (most recent call last):\n  File "/app/main.py", line 1, in <module>\n'
              "ValueError: bad thing: here\n")
    assert structured_error(stderr)["name"] == "ValueError"
    assert structured_error(stderr)["value"] == "bad thing: here"
    assert structured_error("just text") is None


def test_relative_times_and_tables():
    assert when(1000, now=1000 + 59) == "59s ago" and when(0) == "-"
    assert when(1000, now=1000 + 3 * 86400 + 5) == "3d ago"
    text = table([{"name": "a", "status": "running"}], ["name", "status"])
    assert text.splitlines() == ["NAME  STATUS", "a     running"]
