"""clean_text: the one door outside text goes through before it is stored or shown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focus_app.core.text import CUT_NOTE, clean_text


def test_nul_and_other_controls_are_dropped_from_bodies_but_newlines_and_tabs_stay() -> None:
    assert clean_text("a\x00b\x1b[2Jc\x7f\x9bd\n\te", 100) == "ab[2Jcd\n\te"


def test_carriage_returns_become_newlines_in_bodies() -> None:
    assert clean_text("one\r\ntwo\rthree", 100) == "one\ntwo\nthree"


def test_one_line_text_turns_newlines_and_tabs_into_single_spaces_and_drops_nul() -> None:
    assert clean_text("  bad\x00sender\n\tname  ", 100, one_line=True) == "badsender name"


def test_lone_surrogates_are_replaced_so_the_text_encodes_as_utf8() -> None:
    cleaned = clean_text("a\ud800b", 100)
    assert cleaned == "a\ufffdb"
    cleaned.encode("utf-8")


def test_text_over_the_limit_is_cut_with_a_note_and_never_exceeds_the_limit() -> None:
    cleaned = clean_text("x" * 120_000, 8192)
    assert len(cleaned) <= 8192
    assert cleaned.endswith("x … (cut: 110 KiB more)")


def test_a_room_too_small_for_the_size_note_gets_the_short_note() -> None:
    cleaned = clean_text("y" * 100, 40)
    assert len(cleaned) == 40
    assert cleaned.endswith(CUT_NOTE)


def test_bytes_dropped_before_decoding_count_towards_the_note() -> None:
    assert clean_text("short", 100, more_bytes=5000) == "short … (cut: 5 KiB more)"


def test_text_at_the_limit_is_left_whole() -> None:
    assert clean_text("x" * 50, 50) == "x" * 50


def test_a_limit_shorter_than_the_note_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="limit"):
        clean_text("abc", 3)


@given(st.text(), st.integers(min_value=len(CUT_NOTE), max_value=200), st.booleans())
def test_cleaned_text_is_bounded_encodable_and_free_of_nul_and_escape(
    text: str, limit: int, one_line: bool
) -> None:
    cleaned = clean_text(text, limit, one_line=one_line)
    assert len(cleaned) <= limit
    cleaned.encode("utf-8")
    assert "\x00" not in cleaned and "\x1b" not in cleaned
    if one_line:
        assert "\n" not in cleaned and "\t" not in cleaned
    assert clean_text(cleaned, limit, one_line=one_line) == cleaned


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=50))
def test_short_plain_text_is_kept_as_is(text: str) -> None:
    assert clean_text(text, 100) == text


def test_one_line_folds_newlines_and_drops_escape_sequences_controls() -> None:
    assert clean_text(" Sl\x01ack\n\tbot\x7f\x1b[31m ", 200, one_line=True) == "Slack bot[31m"


def test_a_caught_body_over_64_kib_is_cut_with_a_note_saying_how_much() -> None:
    cleaned = clean_text("x" * (100 * 1024), 64 * 1024)
    assert len(cleaned) <= 64 * 1024
    assert cleaned.endswith("x … (cut: 37 KiB more)")
