"""Session text reaching a terminal: control sequences shown as text, colours and line breaks kept."""

from __future__ import annotations

import time

import pytest

from msc_tui.core.terminal_text import MAX_HELD, VisibleText, visible, visible_name

CLIPBOARD = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # OSC 52, BEL-terminated: writes the reader's clipboard


@pytest.mark.parametrize("sequence, shown", [
    (CLIPBOARD, "^[]52;c;ZWNobyBwd25lZA==^G"),
    ("\x1b]52;c;ZWNobyBwd25lZA==\x1b\\", "^[]52;c;ZWNobyBwd25lZA==^[\\"),  # ST-terminated
    ("\x1b]0;pwned\x07", "^[]0;pwned^G"),  # window title
    ("\x1b]8;;https://evil.invalid\x1b\\here\x1b]8;;\x1b\\", "^[]8;;https://evil.invalid^[\\here^[]8;;^[\\"),
    ("\x1b[2J\x1b[H", "^[[2J^[[H"),  # clear, cursor home
    ("\x1b[3A\x1b[10;5H\x1b[K", "^[[3A^[[10;5H^[[K"),  # cursor moves, erase line
    ("\x1b[?25l", "^[[?25l"),  # private mode (hide the cursor)
    ("\x1bc", "^[c"),  # full reset
    ("\x9b2J\x9d0;t\x9c", "M-^[2JM-^]0;tM-^\\"),  # C1 controls: CSI, OSC, ST
    ("\x00\x08\x7f", "^@^H^?"),
])
def test_control_sequences_are_shown_not_sent(sequence, shown):
    assert visible(f"a{sequence}b") == f"a{shown}b"
    assert "\x1b" not in visible(sequence) and "\x07" not in visible(sequence)


def test_colours_and_line_breaks_are_kept():
    text = "\x1b[1;31merror\x1b[0m: \x1b[38;2;255;0;0mred\x1b[m\r\nprogress 10%\rprogress 90%\n\tindented\n"
    assert visible(text) == text


def test_text_that_is_not_a_control_passes_as_it_is():
    text = "naïve ☃ \ufffd\udcff \u00a0 日本 \\x1b"  # an invalid byte (U+FFFD or surrogateescape) is data
    assert visible(text) == text
    assert visible_name(text) == text


def test_a_name_shows_even_line_breaks_and_colours():
    assert visible_name("bob\r\n\tx\x1b[31m") == "bob^M^J^Ix^[[31m"


def test_a_sequence_split_across_chunks_is_caught():
    stream = VisibleText()
    out = "".join(stream.feed(c) for c in ("before \x1b", "]52;c;QQ==\x07 after"))
    assert out == "before ^[]52;c;QQ==^G after"
    stream = VisibleText()
    out = "".join(stream.feed(c) for c in ("x\x1b[", "2", "J y"))  # a clear, split after the CSI's start
    assert out == "x^[[2J y"


def test_an_sgr_split_across_chunks_is_kept_and_a_lone_final_esc_shown():
    stream = VisibleText()
    assert stream.feed("red \x1b[3") == "red "  # held: it may still become a colour
    assert stream.feed("1mtext\x1b[0m") == "\x1b[31mtext\x1b[0m"
    assert stream.feed("end\x1b") == "end"
    assert stream.finish() == "^["


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_any_chunking_gives_what_the_whole_gives(size):
    text = f"a\x1b[32mgreen\x1b[0m {CLIPBOARD} \x1b[2J\r\n\x9b1m\x1b]0;t\x1b\\ end\x1b"
    stream = VisibleText()
    pieces = [stream.feed(text[i:i + size]) for i in range(0, len(text), size)]
    assert "".join(pieces) + stream.finish() == visible(text)


def test_an_endless_unfinished_sequence_is_not_held_forever():
    stream = VisibleText()
    shown = stream.feed("\x1b[" + "1;" * MAX_HELD)
    assert shown.startswith("^[[1;1;")


def test_filtering_is_linear():
    def seconds(n: int) -> float:
        text = ("\x1b[31mred\x1b[0m plain \x1b]52;c;QQ==\x07 " * n)
        best = float("inf")
        for _ in range(3):  # the best of three: another process's load is not the filter's cost
            stream = VisibleText()
            started = time.perf_counter()
            for i in range(0, len(text), 4096):
                stream.feed(text[i:i + 4096])
            best = min(best, time.perf_counter() - started)
        return best
    small, large = seconds(2_000), seconds(40_000)  # 20x the text
    assert large < small * 100  # quadratic would be ~400x; a generous bound against noise
