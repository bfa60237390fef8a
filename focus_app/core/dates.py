"""The dates the app supports, checked in one place.

Python's ``date`` runs from year 1 to 9999, but the schedule does arithmetic a few days
(and, for searches, two years) on either side of every date it touches, and converts
wall-clock times through UTC. A block dated 9999-12-28 therefore fails with "year 10000
is out of range" and one in year 1 with "ordinal must be >= 1", every time the schedule
is built, which used to mean at every start. So every date a user or a file can give is
checked against :data:`EARLIEST` .. :data:`LATEST` before it is stored:

* :data:`EARLIEST` is 1900-01-01: old enough for any real calendar series (a weekly
  meeting "since 1950" imports fine) while far from year 1.
* :data:`LATEST` is 9000-12-31: later than anyone plans, and ~1000 years short of
  9999, so no margin the schedule, the time zone database or the ``HORIZON`` search
  adds can ever overflow.

The command line (``block_from_request``), the iCalendar import and the block editor all
call :func:`block_date_problem`; the schedule calls it too and skips a stored block it
flags (a database written before this check, or edited by hand) instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from focus_app.core.model import Block

EARLIEST = date(1900, 1, 1)
"""The first date a block, its recurrence or an exception may use."""

LATEST = date(9000, 12, 31)
"""The last date a block, its recurrence or an exception may use."""


def date_problem(day: date | datetime, what: str) -> str | None:
    """Why ``day`` cannot be used, or ``None`` if it is in the supported range.

    Args:
        day: The date (or the date of a datetime) to check.
        what: What the date is, for the message, e.g. ``"--until"``.

    Returns:
        One line naming the date and the supported range, or ``None``.
    """
    plain = day.date() if isinstance(day, datetime) else day
    if EARLIEST <= plain <= LATEST:
        return None
    return (
        f"{what} {plain.isoformat()} is outside the supported dates "
        f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"
    )


def check_date(day: date | datetime, what: str) -> None:
    """Raise ``ValueError`` (one line, see :func:`date_problem`) for an unsupported date."""
    problem = date_problem(day, what)
    if problem is not None:
        raise ValueError(problem)


def _dates_of(block: Block) -> Iterator[tuple[date | datetime, str]]:
    if block.on_date is not None:
        yield block.on_date, "the date"
    rec = block.recurrence
    if rec is not None:
        if rec.starts is not None:
            yield rec.starts, "the first date"
        if rec.until is not None:
            yield rec.until, "the last date"
    for exc in block.exceptions:
        yield exc.original_date, "an exception's date"
        if exc.moved_start is not None:
            yield exc.moved_start, "a moved occurrence's start"
        if exc.moved_end is not None:
            yield exc.moved_end, "a moved occurrence's end"


def block_date_problem(block: Block) -> str | None:
    """The first date of ``block`` outside the supported range, as one line, or ``None``.

    Checks the one-off date, the recurrence's first and last dates and every exception
    (original and moved dates).
    """
    for day, what in _dates_of(block):
        problem = date_problem(day, what)
        if problem is not None:
            return problem
    return None


def check_block_dates(block: Block) -> None:
    """Raise ``ValueError`` (one line) if any date of ``block`` is unsupported."""
    problem = block_date_problem(block)
    if problem is not None:
        raise ValueError(problem)
