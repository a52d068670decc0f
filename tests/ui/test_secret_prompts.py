"""Which unfinished lines are prompts for a secret (the input line then hides what is typed)."""

import pytest

from msc_tui.ui.widgets.program_input import asks_for_secret


@pytest.mark.parametrize("line", ["Password: ", "password:", "Enter passphrase for key: ", "API token: ",
                                  "PIN? ", "\x1b[1mPassword:\x1b[0m ", "sudo password for ann: "])
def test_prompts_for_secrets_are_recognised(line):
    assert asks_for_secret(line)


@pytest.mark.parametrize("line", ["name: ", "Password saved.", "passwords.csv written", "", "pinned: 3 items",
                                  "your tokens are: "])
def test_other_lines_are_not(line):
    assert not asks_for_secret(line)
