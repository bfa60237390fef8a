"""The IPC commands of boundaries (issue 11): ``ask``, ``request.*``, ``referral.*``.

Validation happens here, at the door, like :mod:`focus_app.commands`: bad input raises
``CommandError`` with one line and nothing is stored. The answers are public JSON
(``--json``): keys are only ever added.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from focus_app.boundaries import BoundaryError, OverBudgetError, ask_text, when_text
from focus_app.commands import CommandError, _int, _opt_str
from focus_app.core.referrals import Contact, find, parse_topics
from focus_app.core.replies import Tone
from focus_app.core.requests import (
    Request,
    RequestOrigin,
    RequestStatus,
    parse_defer,
    parse_due,
    parse_estimate,
)
from focus_app.store import StoreError

if TYPE_CHECKING:
    from focus_app.engine import Engine

Args = dict[str, Any]


def table(
    engine: Engine, follow: Callable[[], object] | None = None
) -> dict[str, Callable[[Args], Any]]:
    """The commands, to merge into :class:`focus_app.commands.Commands`' table.

    Args:
        engine: The engine.
        follow: Starts following calendars (``Commands.following``): called before a
            contact's published calendar is stored, so it is read at once and refreshed
            with the person's own calendars.
    """
    handlers = _Handlers(engine, follow)
    return {
        "ask": handlers.ask,
        "request.list": handlers.list_requests,
        "request.accept": handlers.accept,
        "request.defer": handlers.defer,
        "request.decline": handlers.decline,
        "request.refer": handlers.refer,
        "request.reply": handlers.reply,
        "referral.add": handlers.referral_add,
        "referral.edit": handlers.referral_edit,
        "referral.ask": handlers.referral_ask,
        "referral.list": handlers.referral_list,
        "referral.remove": handlers.referral_remove,
        "status.text": lambda _a: {"text": engine.status_text()},
        "budget": lambda _a: budget_to_json(engine),
    }


class _Handlers:
    def __init__(self, engine: Engine, follow: Callable[[], object] | None) -> None:
        self._engine = engine
        self._follow = follow

    def ask(self, args: Args) -> dict[str, Any]:
        what = _opt_str(args, "what", limit=10_000, one_line=True).strip()
        who = _opt_str(args, "from", limit=10_000, one_line=True).strip()
        estimate = _parsed(parse_estimate, _opt_str(args, "estimate", limit=200) or "30m")
        due_text = _opt_str(args, "due", limit=200)
        today = self._engine.clock.now().astimezone(self._engine.tz).date()
        due = _parsed(lambda t: parse_due(t, today), due_text) if due_text else None
        origin_text = _opt_str(args, "origin", limit=40) or RequestOrigin.BRIDGE.value
        try:
            origin = RequestOrigin(origin_text)
        except ValueError:
            known = ", ".join(o.value for o in RequestOrigin)
            raise CommandError(f"unknown origin '{origin_text}': use {known}") from None
        notification_id = _int(args, "notification_id") if args.get("notification_id") else None
        try:
            request = self._engine.ask(
                what, who, estimate, due=due, origin=origin, notification_id=notification_id
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        return self._json(request)

    def list_requests(self, args: Args) -> list[dict[str, Any]]:
        status_text = _opt_str(args, "status", limit=40)
        statuses: tuple[RequestStatus, ...] = ()
        if status_text:
            try:
                statuses = (RequestStatus(status_text),)
            except ValueError:
                known = ", ".join(s.value for s in RequestStatus)
                raise CommandError(f"unknown status '{status_text}': use {known}") from None
        return [self._json(r) for r in self._engine.requests(statuses)]

    def accept(self, args: Args) -> dict[str, Any]:
        instead = _int(args, "instead") if args.get("instead") is not None else None
        force = args.get("force") is True
        try:
            request = self._engine.accept_request(_int(args, "id"), instead=instead, force=force)
        except OverBudgetError as exc:
            ids = ", ".join(f"#{r.id} {r.what[:30]}" for r in exc.commitments[:5])
            raise CommandError(f"{exc}; this week: {ids}" if ids else str(exc)) from None
        except (LookupError, BoundaryError) as exc:
            raise CommandError(_message(exc)) from None
        return self._answer(request, args)

    def defer(self, args: Args) -> dict[str, Any]:
        today = self._engine.clock.now().astimezone(self._engine.tz).date()
        until = _parsed(lambda t: parse_defer(t, today), _opt_str(args, "until", limit=200) or "")
        try:
            request = self._engine.defer_request(_int(args, "id"), until)
        except (LookupError, BoundaryError) as exc:
            raise CommandError(_message(exc)) from None
        return self._answer(request, args)

    def decline(self, args: Args) -> dict[str, Any]:
        try:
            request = self._engine.decline_request(_int(args, "id"))
        except LookupError as exc:
            raise CommandError(_message(exc)) from None
        return self._answer(request, args)

    def refer(self, args: Args) -> dict[str, Any]:
        name = _opt_str(args, "to", limit=200, one_line=True)
        if not name.strip():
            raise CommandError("say whom to refer to: --to NAME (see 'focus-app referral list')")
        try:
            request, warning = self._engine.refer_request(_int(args, "id"), name)
        except LookupError as exc:
            raise CommandError(_message(exc)) from None
        answer = self._answer(request, args)
        answer["warning"] = warning
        return answer

    def reply(self, args: Args) -> dict[str, Any]:
        try:
            request = self._engine.request(_int(args, "id"))
        except LookupError as exc:
            raise CommandError(_message(exc)) from None
        return self._answer(request, args)

    def referral_add(self, args: Args) -> dict[str, Any]:
        topics = parse_topics(_opt_str(args, "topics", limit=2000))
        calendar = self._calendar(args)
        try:
            contact = Contact(
                _opt_str(args, "name", limit=10_000, one_line=True).strip(),
                _opt_str(args, "contact", limit=10_000, one_line=True).strip(),
                topics,
                _opt_str(args, "notes", limit=10_000),
                calendar=calendar,
            )
            if calendar and self._follow is not None:
                self._follow()
            added = self._engine.add_referral(contact)
        except (ValueError, StoreError) as exc:
            raise CommandError(str(exc)) from None
        return contact_to_json(added, 0, None)

    def referral_edit(self, args: Args) -> dict[str, Any]:
        name = _opt_str(args, "name", limit=200, one_line=True)
        try:
            current = find(self._engine.store.list_referrals(), name)
        except LookupError as exc:
            raise CommandError(_message(exc)) from None
        changes: dict[str, Any] = {}
        if "new_name" in args:
            changes["name"] = _opt_str(args, "new_name", limit=10_000, one_line=True).strip()
        if "contact" in args:
            changes["contact"] = _opt_str(args, "contact", limit=10_000, one_line=True).strip()
        if "topics" in args:
            changes["topics"] = parse_topics(_opt_str(args, "topics", limit=2000))
        if "notes" in args:
            changes["notes"] = _opt_str(args, "notes", limit=10_000)
        if "calendar" in args:
            changes["calendar"] = self._calendar(args)
        try:
            contact = dataclasses.replace(current, **changes)
            if contact.calendar and self._follow is not None:
                self._follow()
            updated = self._engine.update_referral(contact)
        except (ValueError, StoreError) as exc:
            raise CommandError(str(exc)) from None
        entry = next((e for e in self._engine.referrals() if e.contact.id == updated.id), None)
        if entry is None:
            return contact_to_json(updated, 0, None)
        return contact_to_json(entry.contact, entry.recent, entry.warning, entry.availability)

    @staticmethod
    def _calendar(args: Args) -> str:
        """The ``calendar`` argument checked like a followed calendar's source ("" = none)."""
        text = _opt_str(args, "calendar", limit=4096, one_line=True).strip()
        if not text:
            return ""
        from focus_app.calendars.subscriptions import check_source

        try:
            return check_source(text)
        except ValueError as exc:
            raise CommandError(f"calendar: {exc}") from None

    def referral_list(self, _args: Args) -> list[dict[str, Any]]:
        return [
            contact_to_json(e.contact, e.recent, e.warning, e.availability)
            for e in self._engine.referrals()
        ]

    def referral_ask(self, args: Args) -> dict[str, Any]:
        """A message asking a contact for time, at their next published availability."""
        name = _opt_str(args, "name", limit=200, one_line=True)
        about = _opt_str(args, "about", limit=500, one_line=True)
        entries = self._engine.referrals()
        try:
            contact = find([e.contact for e in entries], name)
        except LookupError as exc:
            raise CommandError(_message(exc)) from None
        entry = next(e for e in entries if e.contact.id == contact.id)
        engine = self._engine
        text = ask_text(
            contact.name, about, entry.next_available, engine.clock.now(), engine.tz
        )
        return {
            "name": contact.name,
            "contact": contact.contact,
            "availability": entry.availability or None,
            "next_available": (
                entry.next_available.start.isoformat() if entry.next_available else None
            ),
            "text": text,
        }

    def referral_remove(self, args: Args) -> dict[str, Any]:
        name = _opt_str(args, "name", limit=200, one_line=True)
        if not self._engine.remove_referral(name):
            raise CommandError(
                f"no one called '{name.strip()[:40]}' in the referral directory; "
                "see 'focus-app referral list'"
            )
        return {"removed": name.strip()}

    def _answer(self, request: Request, args: Args) -> dict[str, Any]:
        tone_text = _opt_str(args, "tone", limit=20) or Tone.WARM.value
        try:
            tone = Tone(tone_text)
        except ValueError:
            raise CommandError(f"unknown tone '{tone_text}': use warm, short or formal") from None
        answer = self._json(request)
        if request.status is not RequestStatus.OPEN:
            answer["reply"] = self._engine.reply_for(request, tone)
        return answer

    def _json(self, request: Request) -> dict[str, Any]:
        return request_to_json(request, self._engine)


def request_to_json(request: Request, engine: Engine) -> dict[str, Any]:
    """One request for ``--json`` (a public format: only add keys)."""
    now = engine.clock.now()
    return {
        "id": request.id,
        "what": request.what,
        "from": request.who,
        "estimate_minutes": round(request.estimate.total_seconds() / 60),
        "due": request.due.isoformat() if request.due else None,
        "origin": request.origin.value,
        "notification_id": request.notification_id,
        "status": request.status.value,
        "created_at": request.created_at.isoformat(timespec="seconds"),
        "decided_at": _iso(request.decided_at),
        "booked_start": _iso(request.booked_start),
        "booked_end": _iso(request.booked_end),
        "booked_text": (
            when_text(request.booked_start, now, engine.tz) if request.booked_start else None
        ),
        "defer_until": request.defer_until.isoformat() if request.defer_until else None,
        "referral": request.referral or None,
    }


def contact_to_json(
    contact: Contact, recent: int, warning: str | None, availability: str = ""
) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "contact": contact.contact,
        "topics": list(contact.topics),
        "notes": contact.notes,
        "referred_recently": recent,
        "warning": warning,
        "calendar": contact.calendar or None,
        "availability": availability or None,
    }


def budget_to_json(engine: Engine) -> dict[str, Any]:
    budget = engine.week_budget()
    return {
        "week_start": budget.week.start.isoformat(timespec="seconds"),
        "committed_hours": round(budget.committed.total_seconds() / 3600, 2),
        "budget_hours": budget.hours,
        "breakthroughs": budget.breakthroughs,
        "breakthrough_limit": budget.breakthrough_limit,
        "text": budget.text(),
    }


def _parsed(parse: Callable[[str], Any], text: str) -> Any:
    try:
        return parse(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _message(exc: Exception) -> str:
    """A LookupError's message without the quotes ``str(KeyError)`` would add."""
    return str(exc.args[0]) if exc.args else str(exc)


def _iso(t: Any) -> str | None:
    return t.isoformat(timespec="seconds") if t is not None else None
