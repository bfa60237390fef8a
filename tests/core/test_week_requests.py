"""The weekly review's requests and budget figures (issue 10: accepted / deferred /
declined / referred and the budget used)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from focus_app.core.booking import Span
from focus_app.core.budget import WeekBudget
from focus_app.core.requests import Request, RequestStatus
from focus_app.core.week_requests import TRIAGED, week_requests

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 23, tzinfo=BERLIN)  # the week clocks go forward: 167 hours
END = datetime(2026, 3, 30, tzinfo=BERLIN)
BUDGET = WeekBudget(Span(START, END), timedelta(hours=3.5), 5, 2, 10)


def request(status: RequestStatus, decided_at: datetime | None) -> Request:
    return Request(
        "Review the deck", "Dana", timedelta(minutes=30), START - timedelta(days=3),
        status=status, decided_at=decided_at,
    )


def test_requests_count_by_status_in_the_week_they_were_decided() -> None:
    inside = START + timedelta(days=2)
    requests = [
        request(RequestStatus.ACCEPTED, inside),
        request(RequestStatus.ACCEPTED, START),  # the first instant belongs to the week
        request(RequestStatus.DEFERRED, inside),
        request(RequestStatus.REFERRED, END - timedelta(seconds=1)),
        request(RequestStatus.DECLINED, END),  # the next week's
        request(RequestStatus.DECLINED, START - timedelta(seconds=1)),  # the last week's
        request(RequestStatus.OPEN, None),
    ]
    week = week_requests(requests, BUDGET, START, END)
    assert week.counts() == (("accepted", 2), ("deferred", 1), ("declined", 0), ("referred", 1))
    assert week.decided == 4
    assert week.text() == (
        "Requests: 2 accepted, 1 deferred, 0 declined, 1 referred · "
        "budget: 3.5 of 5 h committed, 2 of 10 breakthroughs"
    )


def test_a_week_without_requests_counts_zero_and_still_shows_the_budget() -> None:
    week = week_requests([], BUDGET, START, END)
    assert week.decided == 0 and week.budget is BUDGET
    assert week.text().startswith("Requests: 0 accepted, 0 deferred, 0 declined, 0 referred")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(RequestStatus)),
            st.integers(min_value=-14 * 24 * 60, max_value=21 * 24 * 60),
        ),
        max_size=40,
    )
)
def test_each_decided_request_of_the_week_counts_exactly_once(
    decisions: list[tuple[RequestStatus, int]],
) -> None:
    requests = [
        request(status, None if status is RequestStatus.OPEN else START + timedelta(minutes=m))
        for status, m in decisions
    ]
    week = week_requests(requests, BUDGET, START, END)
    expected = sum(
        1 for r in requests
        if r.status in TRIAGED and r.decided_at is not None and START <= r.decided_at < END
    )
    assert week.decided == expected
    assert all(n >= 0 for _, n in week.counts())
