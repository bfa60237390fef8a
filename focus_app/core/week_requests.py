"""The weekly review's boundaries figures: requests triaged in a week and the budget used.

Issue 10 asks the review to show, next to focus and interruptions, how the person
handled asks for their time: how many requests were accepted, deferred, declined and
referred that week, and how much of the weekly budget (hours of commitments,
breakthroughs) was used. Pure: the caller passes the requests and the week's
:class:`~focus_app.core.budget.WeekBudget`; no Qt, no I/O, no clock.

A request counts in the week its triage was decided (``decided_at`` in
``[start, end)``), under the status it has now: a request deferred on Monday and
accepted on Thursday counts once, as accepted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from focus_app.core.budget import WeekBudget
from focus_app.core.requests import Request, RequestStatus

TRIAGED = (
    RequestStatus.ACCEPTED,
    RequestStatus.DEFERRED,
    RequestStatus.DECLINED,
    RequestStatus.REFERRED,
)
"""The statuses triage ends in, in the order the review lists them."""


@dataclass(frozen=True)
class WeekRequests:
    """Requests decided in one week and the budget used in it.

    Attributes:
        accepted: Requests accepted (booked into an availability window).
        deferred: Requests deferred to a later date.
        declined: Requests declined.
        referred: Requests referred to someone in the directory.
        budget: The week's budget and what was used of it (hours, breakthroughs).
    """

    accepted: int
    deferred: int
    declined: int
    referred: int
    budget: WeekBudget

    @property
    def decided(self) -> int:
        return self.accepted + self.deferred + self.declined + self.referred

    def counts(self) -> tuple[tuple[str, int], ...]:
        """``(status, count)`` in :data:`TRIAGED` order, for tables and CSV."""
        return (
            (RequestStatus.ACCEPTED.value, self.accepted),
            (RequestStatus.DEFERRED.value, self.deferred),
            (RequestStatus.DECLINED.value, self.declined),
            (RequestStatus.REFERRED.value, self.referred),
        )

    def text(self) -> str:
        """``Requests: 2 accepted, 1 deferred, 0 declined, 1 referred · budget: 3.5 of 5 h
        committed, 2 of 10 breakthroughs``: the page's one line."""
        counts = ", ".join(f"{n} {status}" for status, n in self.counts())
        return f"Requests: {counts} · budget: {self.budget.text()}"


def week_requests(
    requests: Iterable[Request], budget: WeekBudget, start: datetime, end: datetime
) -> WeekRequests:
    """Count the requests decided in ``[start, end)`` by status, with ``budget``'s use.

    Args:
        requests: Any requests (open ones and those decided in other weeks are ignored).
        budget: The budget of the same week (what :func:`boundaries.week_budget` gives).
        start: The week's first instant (aware).
        end: The next week's first instant (aware).
    """
    tally = dict.fromkeys(TRIAGED, 0)
    for request in requests:
        at = request.decided_at
        if request.status in tally and at is not None and start <= at < end:
            tally[request.status] += 1
    return WeekRequests(
        accepted=tally[RequestStatus.ACCEPTED],
        deferred=tally[RequestStatus.DEFERRED],
        declined=tally[RequestStatus.DECLINED],
        referred=tally[RequestStatus.REFERRED],
        budget=budget,
    )
