"""Reply templates, the status line and the referral directory."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focus_app.core.referrals import Contact, find, overload_warning, parse_topics, recent_count
from focus_app.core.replies import (
    DEFAULT_STATUS_TEMPLATE,
    DEFAULT_TEMPLATES,
    Tone,
    and_list,
    day_phrase,
    render,
    reply,
    status_line,
    template_problem,
    when_phrase,
)
from focus_app.core.requests import TriageOutcome

FIELDS = {
    "name": "Dana",
    "next_window": "Tue 11:30",
    "referral": "Sam",
    "referral_contact": "sam@example.org",
    "due": "Fri 4 Dec",
}


@pytest.mark.parametrize("outcome", list(TriageOutcome))
@pytest.mark.parametrize("tone", list(Tone))
def test_every_outcome_has_a_reply_in_every_tone_that_names_the_person(
    outcome: TriageOutcome, tone: Tone
) -> None:
    text = reply(outcome, tone, FIELDS)
    assert "Dana" in text and "{" not in text


def test_a_referral_reply_names_who_and_how_to_reach_them() -> None:
    text = reply(TriageOutcome.REFER, Tone.WARM, FIELDS)
    assert "Sam" in text and "sam@example.org" in text


RUDE = ("no time for", "not my problem", "busy", "don't bother", "stop")


@pytest.mark.parametrize("tone", list(Tone))
def test_a_default_decline_thanks_and_is_never_rude(tone: Tone) -> None:
    text = DEFAULT_TEMPLATES[TriageOutcome.DECLINE][tone].lower()
    assert "thank" in text
    assert not any(word in text for word in RUDE)


def test_the_persons_own_template_replaces_the_default() -> None:
    mine = {TriageOutcome.ACCEPT: {Tone.SHORT: "Sure {name}, {next_window}."}}
    assert reply(TriageOutcome.ACCEPT, Tone.SHORT, FIELDS, mine) == "Sure Dana, Tue 11:30."
    assert reply(TriageOutcome.ACCEPT, Tone.WARM, FIELDS, mine).startswith("Hi Dana")


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("Hi {nmae}", "unknown field '{nmae}'"),
        ("Hi {name.__class__}", "unknown field"),
        ("Hi {name!r}", "unknown field"),
        ("Hi {name", "no partner"),
        ("", "empty"),
        ("x" * 3000, "too long"),
    ],
)
def test_a_template_with_a_mistake_is_refused_when_typed(template: str, said: str) -> None:
    problem = template_problem(template)
    assert problem is not None and said in problem
    with pytest.raises(ValueError):
        render(template, FIELDS)


@given(st.text(max_size=200))
def test_any_text_is_either_a_usable_template_or_refused_in_one_line(text: str) -> None:
    problem = template_problem(text)
    if problem is None:
        render(text, FIELDS)
    else:
        assert "\n" not in problem


BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_NOON = datetime(2026, 11, 30, 12, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("booked", "said"),
    [
        (datetime(2026, 11, 30, 15, tzinfo=BERLIN), "today at 15:00"),
        (datetime(2026, 12, 1, 9, tzinfo=BERLIN), "tomorrow at 09:00"),
        (datetime(2026, 12, 2, 14, tzinfo=BERLIN), "Wed 2 Dec at 14:00"),
        (datetime(2027, 1, 4, 8, 30, tzinfo=BERLIN), "Mon 4 Jan at 08:30"),
    ],
)
def test_a_booking_reads_today_tomorrow_or_the_date_never_on_a_bare_time(
    booked: datetime, said: str
) -> None:
    assert when_phrase(booked, MONDAY_NOON, BERLIN) == said


def test_today_and_tomorrow_are_counted_in_the_schedules_zone_not_utc() -> None:
    # 23:30 UTC on Monday is 00:30 on Tuesday in Berlin: that is tomorrow there.
    now = datetime(2026, 11, 30, 20, tzinfo=UTC)
    assert when_phrase(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), now, BERLIN) == (
        "tomorrow at 00:30"
    )


def test_a_day_reads_today_tomorrow_or_weekday_and_date() -> None:
    today = date(2026, 11, 30)
    assert [day_phrase(today + timedelta(days=d), today) for d in (0, 1, 2)] == [
        "today",
        "tomorrow",
        "Wed 2 Dec",
    ]


@pytest.mark.parametrize("tone", list(Tone))
@pytest.mark.parametrize(
    "when", ["today at 15:00", "tomorrow at 09:00", "Wed 2 Dec at 14:00"]
)
def test_an_accept_reply_reads_without_a_stray_on_for_every_kind_of_day(
    tone: Tone, when: str
) -> None:
    text = reply(TriageOutcome.ACCEPT, tone, {**FIELDS, "next_window": when})
    assert when in text and f"on {when}" not in text


@pytest.mark.parametrize("tone", list(Tone))
def test_a_defer_reply_reads_well_for_tomorrow(tone: Tone) -> None:
    text = reply(TriageOutcome.DEFER, tone, {**FIELDS, "due": "tomorrow"})
    assert "tomorrow" in text and "on tomorrow" not in text


def test_a_missing_field_value_reads_kindly_not_as_a_gap() -> None:
    assert render("on {next_window}", {}) == "on my next free slot"


def test_the_status_line_names_the_mode_and_the_windows() -> None:
    line = status_line(DEFAULT_STATUS_TEMPLATE, "Focusing until 11:30", ["11:30", "16:00"])
    assert (
        line == "Focusing until 11:30; I read messages at 11:30 and 16:00; for urgent things call."
    )


def test_a_broken_status_template_falls_back_to_the_default() -> None:
    assert status_line("{oops}", "Available", []).startswith(
        "Available; I read messages at my next"
    )


def test_lists_read_as_words() -> None:
    assert [and_list([]), and_list(["a"]), and_list(["a", "b"]), and_list(["a", "b", "c"])] == [
        "",
        "a",
        "a and b",
        "a, b and c",
    ]


NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_recent_referrals_count_the_last_30_days_only() -> None:
    times = [NOW - timedelta(days=d) for d in (1, 10, 29, 31, 60)]
    assert recent_count(times, NOW) == 3


def test_past_the_limit_a_gentle_warning_and_below_it_none() -> None:
    assert overload_warning("Sam", 2, 3) is None
    warning = overload_warning("Sam", 3, 3)
    assert warning is not None and "Sam" in warning and "maybe ask someone else" in warning
    assert overload_warning("Sam", 50, 0) is None  # no limit set


def test_an_unknown_referral_name_says_how_to_add_them() -> None:
    contacts = [Contact("Sam", "sam@example.org")]
    assert find(contacts, " sam ").name == "Sam"
    with pytest.raises(LookupError, match=r"no one called 'Kim'.*referral add"):
        find(contacts, "Kim")


def test_contacts_with_empty_or_huge_fields_cannot_exist() -> None:
    with pytest.raises(ValueError, match="name is empty"):
        Contact(" ")
    with pytest.raises(ValueError, match="too long"):
        Contact("Sam", "x" * 301)
    assert parse_topics("design, slides ,, design") == ("design", "slides")
