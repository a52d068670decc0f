"""A fork's chosen id (`msc fork --name`): the ids msc makes, and never one this home has."""

import pytest

from msc_tui.core.fork import check_name
from msc_tui.core.session_making import reserve
from msc_tui.core.state import SessionRecord
from msc_tui.errors import UsageError


def record(sid: str = "") -> SessionRecord:
    return SessionRecord(id=sid, container_name=f"msc-dev-session-{sid}", image="img", app_type="basic_app")


def test_names_are_lower_case_letters_and_digits_up_to_32():
    assert check_name("try2") == "try2" and check_name("a" * 32) == "a" * 32
    for bad in ("", "Try2", "try-2", "a" * 33, "../x", "x y", "é"):
        with pytest.raises(UsageError, match="bad session name"):
            check_name(bad)


def test_a_chosen_id_this_home_has_is_refused_and_a_free_one_is_taken_as_it_is():
    records = {"twin": record("twin")}
    with pytest.raises(UsageError, match="session id 'twin' is taken"):
        reserve(records, record(), "twin")
    assert list(records) == ["twin"]
    made = record()
    reserve(records, made, "other")
    assert (made.id, made.container_name, records["other"]) == ("other", "msc-dev-session-other", made)
    reserve(records, fresh := record())  # no choice: six hex digits, unused
    assert len(fresh.id) == 6 and fresh.id in records
