"""Requests: the fields they need, what people type for estimates and due dates, triage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focus_app.core.requests import (
    MAX_WHAT,
    Answers,
    Question,
    Request,
    RequestStatus,
    Suggestion,
    TriageOutcome,
    check_priorities,
    next_step,
    parse_defer,
    parse_due,
    parse_estimate,
)

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday
MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "minutes"), [("30m", 30), ("1h30m", 90), ("2h", 120), ("45", 45), ("40h", 2400)]
)
def test_estimates_people_type_are_read(text: str, minutes: int) -> None:
    assert parse_estimate(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("0m", "longer than zero"),
        ("-5m", "longer than zero"),
        ("1000h", "at most 40h"),
        ("41h", "at most 40h"),
        ("30s", "at least 1 minute"),
        ("soon", "bad estimate 'soon'"),
        ("", "empty"),
        ("9" * 5000, "at most"),
    ],
)
def test_estimates_that_cannot_be_right_are_refused_in_one_line(text: str, said: str) -> None:
    with pytest.raises(ValueError, match=said) as info:
        parse_estimate(text)
    assert "\n" not in str(info.value) and len(str(info.value)) < 120


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("today", MONDAY),
        ("tomorrow", date(2026, 12, 1)),
        ("fri", date(2026, 12, 4)),
        ("Friday", date(2026, 12, 4)),
        ("mon", MONDAY),  # the next Monday, today included
        ("2026-12-24", date(2026, 12, 24)),
    ],
)
def test_due_dates_are_read_relative_to_today(text: str, due: date) -> None:
    assert parse_due(text, MONDAY) == due


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("2026-11-01", "in the past"),
        ("2031-01-01", "three years"),
        ("2026-02-30", "no such day"),
        ("someday", "use today, tomorrow"),
    ],
)
def test_due_dates_that_cannot_be_right_are_refused(text: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        parse_due(text, MONDAY)


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("mon", date(2026, 12, 7)),  # on a Monday "defer to mon" means next week
        ("monday", date(2026, 12, 7)),
        ("tue", date(2026, 12, 1)),
        ("tomorrow", date(2026, 12, 1)),
        ("today", MONDAY),  # said plainly: the engine refuses it with its reason
        ("2026-12-24", date(2026, 12, 24)),
    ],
)
def test_a_deferral_to_a_weekday_is_the_next_one_after_today(text: str, until: date) -> None:
    assert parse_defer(text, MONDAY) == until


@pytest.mark.parametrize(
    ("what", "who", "said"),
    [
        ("", "Dana", "empty"),
        ("   ", "Dana", "empty"),
        ("x" * (MAX_WHAT + 1), "Dana", "too long"),
        ("Review", "", "who asks is empty"),
        ("Review", "D" * 201, "too long"),
        ("Review\nthe deck", "Dana", "one line"),
    ],
)
def test_a_request_with_empty_or_huge_fields_cannot_exist(what: str, who: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        Request(what, who, timedelta(minutes=30), NOW)


def test_a_deferred_request_comes_back_on_its_date() -> None:
    r = Request(
        "Review",
        "Dana",
        timedelta(minutes=30),
        NOW,
        status=RequestStatus.DEFERRED,
        defer_until=date(2026, 12, 3),
    )
    assert not r.is_back(date(2026, 12, 2))
    assert r.is_back(date(2026, 12, 3))
    assert Request("Review", "Dana", timedelta(minutes=30), NOW).is_back(MONDAY)


def test_the_path_asks_its_questions_in_order_and_accepts_what_fits() -> None:
    assert next_step(Answers()) is Question.SERVES_PRIORITY
    assert next_step(Answers(serves_priority=True)) is Question.IS_MINE
    assert next_step(Answers(True, True)) is Question.FITS_BUDGET
    step = next_step(Answers(True, True, True))
    assert isinstance(step, Suggestion) and step.outcome is TriageOutcome.ACCEPT


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        (Answers(serves_priority=False, urgent=False), TriageOutcome.DECLINE),
        (Answers(serves_priority=False, urgent=True), TriageOutcome.REFER),
        (Answers(serves_priority=True, is_mine=False), TriageOutcome.REFER),
        (Answers(True, True, False, urgent=False), TriageOutcome.DEFER),
        (Answers(True, True, False, urgent=True), TriageOutcome.ACCEPT),
    ],
)
def test_each_way_through_the_path_ends_in_its_outcome(
    answers: Answers, outcome: TriageOutcome
) -> None:
    step = next_step(answers)
    assert isinstance(step, Suggestion)
    assert step.outcome is outcome and step.why


@given(st.tuples(*[st.one_of(st.none(), st.booleans())] * 4))
def test_the_path_always_ends_after_at_most_four_answers(raw: tuple[bool | None, ...]) -> None:
    answers = Answers(*raw)
    for _ in range(4):
        step = next_step(answers)
        if isinstance(step, Suggestion):
            break
        answers = Answers(**{**answers.__dict__, step.value: True})
    assert isinstance(next_step(answers), Suggestion)


def test_priorities_are_three_to_five_or_not_set_up_yet() -> None:
    assert check_priorities(()) is None
    assert check_priorities(("a", "b", "c")) is None
    assert check_priorities(("a", "b")) == "name 3 to 5 priorities, not 2"
    assert check_priorities(tuple("abcdef")) is not None


def test_each_outcome_ends_in_its_status() -> None:
    assert [o.status for o in TriageOutcome] == [
        RequestStatus.ACCEPTED,
        RequestStatus.DEFERRED,
        RequestStatus.DECLINED,
        RequestStatus.REFERRED,
    ]
