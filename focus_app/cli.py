"""The command line (DESIGN.md: a public interface, scripts depend on it).

``focus-app`` with no command starts the app; every other command talks to the running
engine over its socket. This module imports no Qt, so commands answer quickly.

Exit status: 0 done; 1 the engine refused the request (the message says why); 2 bad
usage; 3 the engine is not running (the message says how to start it). Boundaries
commands follow the same rule: ``ask --estimate 0m`` or ``--due someday`` is bad usage
(2), an empty request or an unknown referral name is refused by the engine (1).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from focus_app import DISPLAY_NAME, __version__
from focus_app.core.parsing import parse_clock, parse_duration, parse_weekdays
from focus_app.core.requests import parse_defer, parse_due, parse_estimate
from focus_app.ipc_client import (
    ANSWER_TIMEOUT,
    Client,
    ConnectionLost,
    NotAnswering,
    NotRunning,
    RemoteError,
    encode,
)
from focus_app.status_text import clock_text, format_status, printable

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_NOT_RUNNING = 3

NOT_RUNNING = (
    "focus-app is not running: start it with 'focus-app' (tray app) "
    "or 'focus-app --headless' (engine only)"
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one clear line, exit status 2
        self.exit(EXIT_USAGE, f"focus-app: {message} (see 'focus-app --help')\n")


def _checked(parse: Any, name: str) -> Any:
    """An argparse ``type`` that checks a value with the engine's own parser, keeps the text.

    A value that cannot be right (``focus banana``, ``--until 25:00``) is bad usage, exit
    status 2, said before anything is sent; the engine still checks what arrives over the
    socket from other clients.
    """

    def check(text: str) -> str:
        try:
            parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    check.__name__ = name  # argparse names the type in "invalid <name> value" messages
    return check


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"bad date '{text}': use YYYY-MM-DD") from None


def _weeks(text: str) -> int:
    if not text.strip().isdecimal() or not 1 <= int(text) <= 52:
        raise argparse.ArgumentTypeError(f"bad --every-weeks '{text}': a whole number from 1 to 52")
    return int(text)


def _when(option: str) -> Any:
    """An argparse ``type`` for ``history --since/--until WHEN``, checked like the engine.

    The engine resolves WHEN against its own clock; here it is only checked (against this
    machine's clock and zone), so ``--since banana`` or ``--until 9999-12-31`` is bad usage,
    exit status 2, like ``focus banana``.
    """

    def parse(text: str) -> None:
        from focus_app.commands import CommandError, parse_when  # only when WHEN is given

        now = datetime.now().astimezone()
        assert now.tzinfo is not None  # astimezone() always gives the local offset
        try:
            parse_when(text, now, now.tzinfo, option)
        except CommandError as error:
            raise ValueError(str(error)) from None

    return _checked(parse, "time")


def _source(text: str) -> None:
    # An empty source would become the current folder (its absolute path) and be followed.
    if not text.strip():
        raise ValueError("give an .ics file or a calendar's address, not an empty one")


_SOURCE = _checked(_source, "source")


def _file(text: str) -> Path:
    """An argparse ``type`` for ``import FILE`` / ``export FILE``: a blank name is bad
    usage (``export ""`` used to end in a traceback, ``import ""`` read the folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give the .ics file's name, not an empty one")
    return Path(text)


_file.__name__ = "file"
_DURATION = _checked(parse_duration, "duration")
_CLOCK = _checked(parse_clock, "time")
_DAYS = _checked(parse_weekdays, "days")
_DATE = _checked(_date, "date")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="focus-app",
        description=f"{DISPLAY_NAME}: protected focus time, availability windows and a "
        "notification gate. With no command, starts the tray app.",
    )
    parser.add_argument("--version", action="version", version=f"focus-app {__version__}")
    parser.add_argument(
        "--headless", action="store_true", help="run the engine alone: no tray, no window"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("status", help="the current mode, until when, held count")
    p.add_argument("--json", action="store_true")
    p.add_argument("--text", action="store_true",
                   help="one friendly line for auto-replies (template in settings)")

    p = sub.add_parser("send", help="hand a notification to the gate")
    p.add_argument("title")
    p.add_argument("--body", default="")
    p.add_argument("--sender", default="")
    p.add_argument("--source", default="")
    p.add_argument("--urgency", choices=["low", "normal", "critical"], default="normal")
    p.add_argument("--time-sensitive", action="store_true")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("focus", help="focus now (default 25m)")
    p.add_argument("duration", nargs="?", type=_DURATION, help="e.g. 25m, 1h30m")
    p.add_argument("--reason", default="")
    p = sub.add_parser("available", help="available now (default 30m)")
    p.add_argument("duration", nargs="?", type=_DURATION)
    p.add_argument("--reason", default="")
    p = sub.add_parser("pause", help="pause the boundaries (default 1h)")
    p.add_argument("duration", nargs="?", type=_DURATION)
    p.add_argument("--until", metavar="HH:MM", type=_CLOCK)
    p.add_argument("--reason", default="")
    sub.add_parser("resume", help="back to the schedule")

    p = sub.add_parser("held", help="list held notifications")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser(
        "history",
        help="every notification seen, newest first, with what was decided and why",
        description="WHEN: today, week, 2d, 3h, 90m, YYYY-MM-DD (--until includes that day) "
        "or HH:MM (the latest one not in the future).",
    )
    p.add_argument("--since", metavar="WHEN", type=_when("since"),
                   help="received at or after (default: all kept)")
    p.add_argument("--until", metavar="WHEN", type=_when("until"), help="received before")
    p.add_argument("--json", action="store_true", help="a JSON list, one object per notification")
    p = sub.add_parser(
        "window",
        help="what the window shows: its page and the notification ids it lists",
        description="For scripts: with --json, {ui, open, page, digest, items, more} "
        "(see the README).",
    )
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("release", help="release held notifications now (all, or these ids)")
    p.add_argument("ids", nargs="*", type=int, metavar="ID")

    block = sub.add_parser("block", help="focus blocks and availability windows")
    bsub = block.add_subparsers(dest="block_command", metavar="ACTION", required=True,
                                parser_class=_Parser)
    p = bsub.add_parser("add", help="add a block")
    p.add_argument("--kind", required=True, choices=["focus", "available", "off"])
    p.add_argument("--days", type=_DAYS, help="e.g. mon,tue,fri or mon-fri")
    p.add_argument("--date", type=_DATE, help="a one-off block on YYYY-MM-DD instead of --days")
    p.add_argument("--start", required=True, metavar="HH:MM", type=_CLOCK)
    p.add_argument("--end", required=True, metavar="HH:MM", type=_CLOCK)
    p.add_argument(
        "--overnight", action="store_true",
        help="the block ends the next day (an --end at or before --start)",
    )
    p.add_argument("--title", default="")
    p.add_argument("--every-weeks", type=_weeks, default=1, metavar="N")
    p.add_argument("--from", dest="from_date", metavar="YYYY-MM-DD", type=_DATE)
    p.add_argument("--until", metavar="YYYY-MM-DD", type=_DATE)
    p.add_argument("--json", action="store_true")
    p = bsub.add_parser("list", help="list blocks")
    p.add_argument("--json", action="store_true")
    p = bsub.add_parser("remove", help="remove a block")
    p.add_argument("id", type=int)

    rule = sub.add_parser("rule", help="filters: who and what may break through")
    rsub = rule.add_subparsers(dest="rule_command", metavar="ACTION", required=True,
                               parser_class=_Parser)
    p = rsub.add_parser("add", help="add a rule (evaluated in order, first match wins)")
    p.add_argument("--action", required=True, choices=["allow", "priority", "hold", "mute"])
    p.add_argument("--sender", help="sender, wildcards allowed (*@example.com)")
    p.add_argument("--source", help="source app, wildcards allowed")
    p.add_argument("--urgency", choices=["low", "normal", "critical"])
    p.add_argument("--keyword", action="append", default=[], dest="keywords")
    p.add_argument("--time-sensitive", action="store_true", default=None)
    p.add_argument("--name", default="")
    p.add_argument("--position", type=int, help="1 = first; default: last")
    p.add_argument("--json", action="store_true")
    p = rsub.add_parser("list", help="list rules in order")
    p.add_argument("--json", action="store_true")
    p = rsub.add_parser("remove", help="remove a rule")
    p.add_argument("id", type=int)

    cal = sub.add_parser(
        "calendar", help="follow calendars (an .ics file or address) and keep their blocks; "
        "publish to or sync with a CalDAV calendar",
    )
    csub = cal.add_subparsers(dest="calendar_command", metavar="ACTION", required=True,
                              parser_class=_Parser)
    p = csub.add_parser(
        "add", help="follow a calendar, or link a CalDAV calendar (--caldav)",
        description="Events that say their kind keep it (Google focus time: focus; out of "
        "office: off; CATEGORIES focus/available/off); other busy events (meetings) become "
        "--busy time. Free events are skipped. With --caldav --follow the address is a "
        "CalDAV calendar that needs a log-in, followed the same way (read only, never "
        "written to). With --caldav the address is a CalDAV "
        "calendar: by default your blocks are kept in step both ways with your other "
        "machines (every 15 min and on 'calendar sync'; an edit made on both sides keeps "
        "the later one and a conflict copy of the other); with --publish only your "
        "availability windows (and focus blocks as busy with --focus-as-busy) are written "
        "there for colleagues. CalDAV calendars are listed as c1, c2, …; the password goes "
        "to the desktop's Secret Service (or memory until the app quits without one), "
        "never to a file.",
    )
    p.add_argument("source", type=_SOURCE,
                   help="an http(s):// or webcal:// address, or an .ics file "
                   "(with --caldav: the CalDAV calendar's address)")
    p.add_argument("--busy", choices=["off", "available", "focus"], default="off",
                   help="what meetings and other busy events become (default: off)")
    p.add_argument("--every", type=_checked(parse_duration, "duration"), default="1h",
                   metavar="DURATION", help="how often to refresh it, 5m to 7d (default 1h)")
    p.add_argument("--name", default="")
    p.add_argument("--caldav", action="store_true",
                   help="a CalDAV calendar to sync with (or --publish to, or --follow)")
    p.add_argument("--user", default="", help="with --caldav: the server's user name")
    p.add_argument("--publish", action="store_true",
                   help="with --caldav: publish availability only (one way) instead of sync")
    p.add_argument("--follow", action="store_true",
                   help="with --caldav: follow its events as --busy time (read only), like "
                   "an .ics address")
    p.add_argument("--focus-as-busy", action="store_true",
                   help="with --publish: publish focus blocks as busy too")
    p.add_argument("--password-stdin", action="store_true",
                   help="with --caldav: read the password from standard input (one line)")
    p.add_argument("--json", action="store_true")
    p = csub.add_parser("list", help="list followed and CalDAV calendars and their last sync")
    p.add_argument("--json", action="store_true")
    p = csub.add_parser("remove", help="stop following a calendar (its blocks go too), or "
                        "unlink a CalDAV calendar cN (blocks and server events stay)")
    p.add_argument("id", metavar="ID", help="a number, or cN for a CalDAV calendar")
    p = csub.add_parser("sync", help="refresh followed calendars and sync CalDAV calendars "
                        "now (all, or these ids)")
    p.add_argument("ids", nargs="*", metavar="ID", help="numbers, or cN for CalDAV calendars")
    p.add_argument("--json", action="store_true")
    p = csub.add_parser("password", help="give the password of a CalDAV calendar cN (or N, "
                        "followed with --caldav --follow)",
                        description="Kept in the desktop's Secret Service, or in memory until "
                        "the app quits when there is none; never in a file.")
    p.add_argument("id", metavar="ID", help="cN or N, as 'calendar list' shows it")
    p.add_argument("--password-stdin", action="store_true", required=True,
                   help="read the password from standard input (one line)")

    p = sub.add_parser("export", help="write the blocks to an iCalendar file")
    p.add_argument("file", type=_file)
    p = sub.add_parser(
        "import",
        help="add blocks from an iCalendar file (again: updates them by event)",
        description="Events become blocks by their CATEGORIES (focus, available, off), "
        "their X-FOCUS-APP-KIND, or their type (Google focus time: focus; out of office: "
        "off). Free events are skipped; other events take --kind, or are skipped.",
    )
    p.add_argument("file", type=_file)
    p.add_argument("--dry-run", action="store_true",
                   help="show what the import would do; store nothing")
    p.add_argument("--kind", choices=["focus", "available", "off"],
                   help="the kind for events that do not say theirs (default: skip them)")
    p.add_argument("--json", action="store_true")
    _add_boundary_commands(sub)
    return parser


_ESTIMATE = _checked(parse_estimate, "estimate")
_DUE = _checked(lambda text: parse_due(text, date.today()), "date")
_DEFER = _checked(lambda text: parse_defer(text, date.today()), "date")


def _id(text: str) -> int:
    if not text.strip().lstrip("#").isdecimal() or len(text) > 19:
        raise argparse.ArgumentTypeError(f"bad id '{text[:40]}': give a number like 12")
    return int(text.strip().lstrip("#"))


def _add_boundary_commands(sub: Any) -> None:
    """``ask``, ``request …`` and ``referral …``: requests for the person's time (issue 11)."""
    p = sub.add_parser("ask", help="record a request for your time, for triage")
    p.add_argument("what", help='what is asked, e.g. "Review the deck"')
    p.add_argument("--from", dest="who", required=True, help="who asks")
    p.add_argument("--estimate", type=_ESTIMATE, default="30m", help="e.g. 30m, 1h30m")
    p.add_argument("--due", type=_DUE, help="today, tomorrow, fri or YYYY-MM-DD")
    p.add_argument("--json", action="store_true")

    request = sub.add_parser("request", help="triage requests: accept, defer, decline, refer")
    rsub = request.add_subparsers(dest="request_command", metavar="ACTION", required=True,
                                  parser_class=_Parser)
    p = rsub.add_parser("list", help="requests, newest first")
    p.add_argument("--status", choices=["open", "accepted", "deferred", "declined", "referred"])
    p.add_argument("--json", action="store_true")
    tones = ["warm", "short", "formal"]
    p = rsub.add_parser("accept", help="book it into the next availability window with room")
    p.add_argument("id", type=_id)
    p.add_argument("--instead", type=_id, metavar="ID",
                   help="past the budget: this commitment makes room (it is deferred)")
    p.add_argument("--force", action="store_true", help="accept past the week's budget")
    p.add_argument("--tone", choices=tones, default="warm")
    p.add_argument("--json", action="store_true")
    p = rsub.add_parser("defer", help="put it aside until a day; it comes back then")
    p.add_argument("id", type=_id)
    p.add_argument("--until", type=_DEFER, required=True,
                   help="tomorrow, mon (the next one after today) or YYYY-MM-DD")
    p.add_argument("--tone", choices=tones, default="warm")
    p.add_argument("--json", action="store_true")
    p = rsub.add_parser("decline", help="say no, kindly")
    p.add_argument("id", type=_id)
    p.add_argument("--tone", choices=tones, default="warm")
    p.add_argument("--json", action="store_true")
    p = rsub.add_parser("refer", help="point them to someone in the referral directory")
    p.add_argument("id", type=_id)
    p.add_argument("--to", required=True, metavar="NAME")
    p.add_argument("--tone", choices=tones, default="warm")
    p.add_argument("--json", action="store_true")
    p = rsub.add_parser("reply", help="the reply to send for a triaged request")
    p.add_argument("id", type=_id)
    p.add_argument("--tone", choices=tones, default="warm")
    p.add_argument("--json", action="store_true")

    referral = sub.add_parser("referral", help="people you can point others to")
    fsub = referral.add_subparsers(dest="referral_command", metavar="ACTION", required=True,
                                   parser_class=_Parser)
    p = fsub.add_parser("add", help="add someone to the directory")
    p.add_argument("name")
    p.add_argument("--contact", default="", help="an address, handle or phone number")
    p.add_argument("--topics", default="", help="comma-separated, e.g. design,slides")
    p.add_argument("--notes", default="")
    p.add_argument("--calendar", default="", metavar="SOURCE",
                   help="their published availability calendar: an .ics path or URL")
    p.add_argument("--json", action="store_true")
    p = fsub.add_parser("edit", help="change someone in the directory (only what is given)")
    p.add_argument("name")
    p.add_argument("--name", dest="new_name", metavar="NEW", help="a new name")
    p.add_argument("--contact", help="an address, handle or phone number")
    p.add_argument("--topics", help="comma-separated, e.g. design,slides")
    p.add_argument("--notes")
    p.add_argument("--calendar", metavar="SOURCE",
                   help="their published availability calendar (.ics path or URL); '' removes it")
    p.add_argument("--json", action="store_true")
    p = fsub.add_parser("ask", help="a message asking someone for time, at their next "
                        "published availability")
    p.add_argument("name")
    p.add_argument("--about", default="", help="what the time is for, e.g. 'the Q3 slides'")
    p.add_argument("--json", action="store_true")
    p = fsub.add_parser("list", help="the directory, with recent referrals and availability")
    p.add_argument("--json", action="store_true")
    p = fsub.add_parser("remove", help="remove someone from the directory")
    p.add_argument("name")


_SIGNED_VALUE_OPTIONS = frozenset({"--estimate", "--due", "--until"})
"""Options whose value a person may type with a minus by mistake (``--estimate -5m``)."""


def _joined_negative_values(argv: Sequence[str]) -> list[str]:
    """``--estimate -5m`` as ``--estimate=-5m``, so the value's own check says what is wrong.

    argparse takes any word starting with ``-`` (other than a plain number) for an
    option, and answers "expected one argument", which does not say that the estimate
    must be positive. No option of ours starts with a minus and a digit.
    """
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            out.append(word)
            out.extend(words)
            break
        if word in _SIGNED_VALUE_OPTIONS:
            value = next(words, None)
            if value is not None and re.match(r"-\d", value):
                out.append(f"{word}={value}")
                continue
            out.append(word)
            if value is not None:
                out.append(value)
            continue
        out.append(word)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    argv = _joined_negative_values(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.command is None:
        from focus_app.app import run_app  # Qt only when the app starts

        return run_app(headless=args.headless)
    if args.headless:
        print("focus-app: --headless starts the engine; it takes no command", file=sys.stderr)
        return EXIT_USAGE
    bad = _not_utf8(args)
    if bad is not None:
        _error(f"argument is not valid UTF-8: {bad}; pass text in UTF-8")
        return EXIT_USAGE
    if args.command == "send":
        return _send(args)
    overnight = _unasked_overnight(args)
    if overnight is not None:
        _error(overnight)
        return EXIT_USAGE
    mixed = _mixed_calendar_options(args)
    if mixed is not None:
        _error(mixed)
        return EXIT_USAGE
    try:
        if args.command == "history":
            return _history(args)
        return _run_command(args)
    except NotRunning:
        print(NOT_RUNNING, file=sys.stderr)
        return EXIT_NOT_RUNNING
    except (RemoteError, NotAnswering) as exc:
        _error(str(exc))
        return EXIT_REFUSED
    except OSError as exc:
        _error(str(exc))
        return EXIT_REFUSED


def _mixed_calendar_options(args: argparse.Namespace) -> str | None:
    """Why ``calendar add`` is refused: ``--follow`` without ``--caldav`` (an .ics address
    is followed without it) or with ``--publish`` (reading and writing are two uses)."""
    if args.command != "calendar" or args.calendar_command != "add" or not args.follow:
        return None
    if not args.caldav:
        return ("--follow goes with --caldav (a CalDAV calendar that needs a log-in); an "
                ".ics file or address is followed without either")
    if args.publish:
        return ("--follow reads a CalDAV calendar, --publish writes to one: choose one "
                "(add the calendar twice for both)")
    return None


def _unasked_overnight(args: argparse.Namespace) -> str | None:
    """Why ``block add`` is refused: an end at or before the start without ``--overnight``.

    10:00 to 09:00 is a 23-hour block, far more often a typo than meant; an end of 00:00
    (or 24:00) is midnight at the end of the day and needs no flag. An end equal to the
    start is no block at all, with or without the flag, so the line does not suggest it.
    """
    if args.command != "block" or args.block_command != "add":
        return None
    start, end = parse_clock(args.start), parse_clock(args.end)
    if end == start:
        return (
            f"--start {args.start} and --end {args.end} are the same time of day: a block "
            "lasts more than nothing and less than a day; fix the times"
        )
    if args.overnight or end > start or end == dt_time(0, 0):
        return None
    return (
        f"--end {args.end} is not after --start {args.start}: that block would run into the "
        "next day; add --overnight if you mean that, or fix the times"
    )


def _error(message: str) -> None:
    """One line on stderr; the engine's messages may quote what was typed, so made safe."""
    print(f"focus-app: {printable(message)}", file=sys.stderr)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str | Path):
        yield str(value)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _not_utf8(args: argparse.Namespace) -> str | None:
    """The first argument that has no UTF-8 form, shown with its bad bytes escaped.

    On Linux an argument that is not UTF-8 arrives with lone surrogates in place of its
    bad bytes; neither the socket (JSON in UTF-8) nor the database can carry it.
    """
    for value in vars(args).values():
        for text in _strings(value):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                try:
                    raw = text.encode("utf-8", "surrogateescape")
                except UnicodeEncodeError:
                    raw = text.encode("utf-8", "backslashreplace")
                return raw.decode("utf-8", "backslashreplace")
    return None


RETRY_SEND_AFTER = 0.5
"""Seconds before a send whose connection broke is tried again (same key)."""


def _send(args: argparse.Namespace) -> int:
    """``focus-app send``: over the socket with an idempotency key, else into the queue.

    Every send carries a random key. If the engine dies after the request was written
    (it may have committed it), the same request, same key, is tried once more: an
    engine that stored it answers the first decision and stores nothing twice. Only when
    no engine can be reached is the notification queued in the database, still under
    that key, so a send committed just before the engine died is not queued again either.
    """
    request = _send_request(args)
    try:
        return _send_once(args, request)
    except NotRunning as exc:
        if not isinstance(exc, ConnectionLost):
            return _queue(args, request)  # nothing was sent
    except NotAnswering:
        pass
    except (RemoteError, OSError) as exc:
        _error(str(exc))
        return EXIT_REFUSED
    time.sleep(RETRY_SEND_AFTER)
    try:
        return _send_once(args, request)
    except ConnectionLost:
        _error(
            "focus-app stopped twice while taking the notification; it may have been "
            "stored: check with 'focus-app held' or 'focus-app status' before sending again"
        )
        return EXIT_REFUSED
    except NotRunning:
        return _queue(args, request)  # the key keeps a committed first try from doubling
    except (RemoteError, NotAnswering, OSError) as exc:
        _error(str(exc))
        return EXIT_REFUSED


def _send_request(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "title": args.title, "body": args.body, "sender": args.sender,
        "source": args.source, "urgency": args.urgency,
        "time_sensitive": args.time_sensitive, "key": uuid.uuid4().hex,
    }


def _send_once(args: argparse.Namespace, request: dict[str, Any]) -> int:
    with Client(_socket()) as client:
        result = client.call("send", **request)
    return _print_result("send", args, result)


def _socket() -> Path:
    from focus_app.paths import socket_path

    return socket_path()


def _run_command(args: argparse.Namespace) -> int:
    cmd = args.command
    request: dict[str, Any]
    if cmd in ("focus", "available", "pause"):
        request = {"duration": args.duration, "reason": args.reason}
        if cmd == "pause":
            request["until"] = args.until
    elif cmd == "release":
        request = {"ids": args.ids}
    elif cmd == "block":
        cmd = f"block.{args.block_command}"
        request = _block_request(args)
    elif cmd == "rule":
        cmd = f"rule.{args.rule_command}"
        request = _rule_request(args)
    elif cmd == "import":
        return _import(args)
    elif cmd == "calendar":
        cmd = f"calendar.{args.calendar_command}"
        if cmd == "calendar.sync":
            return _calendar_sync(args)
        request = _calendar_request(args)
    elif cmd in ("ask", "request", "referral") or (cmd == "status" and args.text):
        cmd, request = _boundary_request(args)
    else:
        request = {}
    # Writing a large calendar may take the engine a while; the rest is quick.
    timeout = 60.0 if cmd == "export" else ANSWER_TIMEOUT
    with Client(_socket(), timeout=timeout) as client:
        result = client.call(cmd, **request)
    return _print_result(cmd, args, result)


def _boundary_request(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The IPC command and arguments of ``ask``, ``request``, ``referral``, ``status --text``."""
    cmd = args.command
    if cmd == "status":
        return "status.text", {}
    if cmd == "ask":
        return "ask", {"what": args.what, "from": args.who, "estimate": args.estimate,
                       "due": args.due, "origin": "command-line"}
    if cmd == "referral":
        action = args.referral_command
        if action == "add":
            return "referral.add", {"name": args.name, "contact": args.contact,
                                    "topics": args.topics, "notes": args.notes,
                                    "calendar": _calendar_source(args.calendar)}
        if action == "edit":
            changes = {"new_name": args.new_name, "contact": args.contact,
                       "topics": args.topics, "notes": args.notes,
                       "calendar": _calendar_source(args.calendar)}
            return "referral.edit", {"name": args.name,
                                     **{k: v for k, v in changes.items() if v is not None}}
        if action == "ask":
            return "referral.ask", {"name": args.name, "about": args.about}
        return f"referral.{action}", {"name": args.name} if action == "remove" else {}
    action = args.request_command
    if action == "list":
        return "request.list", {"status": args.status}
    request: dict[str, Any] = {"id": args.id, "tone": args.tone}
    if action == "accept":
        request.update(instead=args.instead, force=args.force)
    elif action == "defer":
        request["until"] = args.until
    elif action == "refer":
        request["to"] = args.to
    return f"request.{action}", request


def _import(args: argparse.Namespace) -> int:
    """Import a calendar, waiting as long as the app is alive and says how far it got.

    The app reads and parses the file off its GUI thread and adds the blocks in chunks,
    so a big calendar may take a while; with ``"progress": true`` it sends a progress
    line every second until the answer, so ``ANSWER_TIMEOUT`` only runs out when the
    app stops turning (stuck or stopped), never because the file is big. On a terminal
    the progress is shown on stderr ("Importing… 1,200 of 4,576 events").
    """
    # The engine reads the file itself: a calendar is often over the 64 KiB frame limit.
    request = {
        "cmd": "import", "path": os.path.abspath(args.file), "kind": args.kind,
        "dry_run": args.dry_run, "progress": True,
    }
    shown = False
    try:
        with Client(_socket(), timeout=ANSWER_TIMEOUT) as client:
            answer = client.raw(encode(request))
            while "ok" not in answer and isinstance(answer.get("progress"), dict):
                if sys.stderr.isatty():
                    print(f"\r\033[KImporting… {_progress_text(answer['progress'])}",
                          end="", file=sys.stderr, flush=True)
                    shown = True
                answer = client.read()
    except ConnectionLost:
        _error(
            "focus-app stopped during the import; an import is stored whole or not at all "
            "(see 'focus-app block list'): start it again and import the file again"
        )
        return EXIT_REFUSED
    finally:
        if shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    if not answer.get("ok"):
        raise RemoteError(str(answer.get("error", "unknown error")))
    return _print_result("import", args, answer.get("result"))


def _calendar_source(source: str | None) -> str | None:
    """A contact's calendar as sent: a file's absolute path (the app may run elsewhere)."""
    if source and "://" not in source:
        return os.path.abspath(source)
    return source


def _calendar_request(args: argparse.Namespace) -> dict[str, Any]:
    command = args.calendar_command
    if command == "add" and args.caldav and args.follow:
        request: dict[str, Any] = {
            "caldav": True, "mode": "follow", "source": args.source, "user": args.user,
            "busy": args.busy, "every_minutes": int(parse_duration(args.every).total_seconds()
                                                    // 60),
            "name": args.name,
        }
        if args.password_stdin:
            request["password"] = _read_password()
        return request
    if command == "add" and args.caldav:
        request = {
            "caldav": True, "source": args.source, "user": args.user,
            "mode": "publish" if args.publish else "sync", "focus_as_busy": args.focus_as_busy,
        }
        if args.password_stdin:
            request["password"] = _read_password()
        return request
    if command == "password":
        return {"id": args.id, "password": _read_password()}
    if command == "add":
        source = args.source
        if "://" not in source:  # a file: the engine needs its absolute path
            source = os.path.abspath(source)
        minutes = int(parse_duration(args.every).total_seconds() // 60)
        return {"source": source, "busy": args.busy, "every_minutes": minutes,
                "name": args.name}
    if command == "remove":
        return {"id": _calendar_id(args.id)}
    return {}


def _calendar_id(text: str) -> int | str:
    """``3`` (a followed calendar) as a number; ``c3`` (a CalDAV link) as it is."""
    return int(text) if text.isdecimal() and len(text) < 19 else text


def _read_password() -> str:
    """One line of standard input (a pipe, or typed without echo on a terminal)."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _calendar_sync(args: argparse.Namespace) -> int:
    """Refresh calendars, waiting as long as the app is alive (a slow server is slow)."""
    request = {"cmd": "calendar.sync", "ids": [_calendar_id(i) for i in args.ids],
               "progress": True}
    shown = False
    try:
        with Client(_socket(), timeout=ANSWER_TIMEOUT) as client:
            answer = client.raw(encode(request))
            while "ok" not in answer and isinstance(answer.get("progress"), dict):
                if sys.stderr.isatty():  # a first push of hundreds of events takes seconds
                    text = _progress_text(
                        answer["progress"], reading="reading the calendar", what="events written"
                    )
                    print(f"\r\033[KSyncing… {text}", end="", file=sys.stderr, flush=True)
                    shown = True
                answer = client.read()
    except ConnectionLost:
        _error("focus-app stopped during the refresh; start it again and sync again")
        return EXIT_REFUSED
    finally:
        if shown:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
    if not answer.get("ok"):
        raise RemoteError(str(answer.get("error", "unknown error")))
    result: list[dict[str, Any]] = answer.get("result") or []
    if args.json:
        _print_json(result)
    else:
        _print_calendars(result, synced=True)
    return EXIT_REFUSED if any(c.get("error") for c in result) else 0


def _print_calendars(result: list[dict[str, Any]], *, synced: bool = False) -> None:
    if not result:
        print("No calendars followed: follow one with 'focus-app calendar add ADDRESS'.")
    for c in result:
        if "caldav" in c:
            _print_caldav(c, synced=synced)
            continue
        login = f"CalDAV, {c['user']}, " if c.get("user") else ""
        _say(f"#{c['id']:<4} {c['name']}  ({login}{c['blocks']} block(s), busy time: "
             f"{c['busy_kind']}, every {c['every_minutes']} min)")
        if c.get("error"):
            _error(f"#{c['id']} {c['name']}: {c['error']}")
        elif synced:
            _say(f"      refreshed: {c['changed']} block(s) changed")
        elif c.get("ok_at"):
            _say(f"      last refreshed {c['ok_at']}")
        else:
            _say(f"      not refreshed yet (next {c['next_refresh']})")


def _print_caldav(c: dict[str, Any], *, synced: bool) -> None:
    ref = f"c{c['id']}"
    what = "publishing availability" + (" and focus as busy" if c["focus_as_busy"] else "")
    _say(f"#{ref:<4} {c['source']}  (CalDAV, {c['user']}, "
         f"{what if c['caldav'] == 'publish' else 'sync'})")
    if c.get("error"):
        _error(f"#{ref} {c['source']}: {c['error']}")
    elif synced:
        _say(f"      synced: {c['changed']} change(s)")
    elif c.get("ok_at"):
        _say(f"      last synced {c['ok_at']}")
    else:
        _say(f"      not synced yet (next {c['next_refresh']})")


def _progress_text(
    progress: dict[str, Any], *, reading: str = "reading the file", what: str = "events"
) -> str:
    """``1,200 of 4,576 events``; ``reading`` while the total is not known yet."""
    done, total = progress.get("done"), progress.get("total")
    if not isinstance(done, int) or not isinstance(total, int):
        return reading
    return f"{done:,} of {total:,} {what}"


def _history(args: argparse.Namespace) -> int:
    """``focus-app history``: page through the engine's answers (each under the frame
    limits) and print as they come, so a long history starts printing at once."""
    request: dict[str, Any] = {"since": args.since, "until": args.until}
    items: list[dict[str, Any]] = []
    with Client(_socket()) as client:
        while True:
            page = client.call("history", **request)
            if args.json:
                items.extend(page["items"])
            else:
                for item in page["items"]:
                    _say(_history_line(item))
                    items.append(item)
            if page["next"] is None:
                break
            request["after"] = page["next"]
    if args.json:
        _print_json(items)
    elif not items:
        print("Nothing in the history for that time.")
    return 0


def _history_line(item: dict[str, Any]) -> str:
    """``#12  2026-11-26 09:41  Mail · Alice: Lunch?  held → released (held: focus ...)``."""
    when = item["received_at"][:16].replace("T", " ")
    who = " · ".join(x for x in (item["program"] or item["source"], item["sender"]) if x)
    reason = " ".join(item["reason"].split())
    return (
        f"#{item['id']:<5} {when}  {who or 'unknown'}: {item['title']}  "
        f"{_decision_text(item)} ({reason})"
    )


def _decision_text(item: dict[str, Any]) -> str:
    """The window's Decision column (``HistoryRow.decision_label``) from the JSON item: a
    delivery that failed and was kept for the next digest reads "delivered → held again",
    not "delivered"."""
    decision, status = item["decision"], item["status"]
    if decision == "queued":
        return "queued"
    word = "broke through" if item.get("breakthrough") else decision
    if decision == "held" and status != "held":
        return f"held → {status}"
    if decision != "held" and status == "held":
        return f"{word} → held again"
    return str(word)


def _window_text(state: dict[str, Any]) -> str:
    """``Showing history: the 3 item(s) of digest #2: #7 #6 #5`` and the like."""
    if not state["ui"]:
        return "No window: focus-app runs headless."
    if not state["open"]:
        return "The window is closed."
    items: list[int] = state["items"]
    count = f"{len(items)}{'+' if state['more'] else ''} item(s)"
    text = f"Showing {state['page']}"
    if state["digest"] is not None:
        text += f": the {count} of digest #{state['digest']}"
    elif state["page"] in ("inbox", "history"):
        text += f": {count}"
    return text + (": " + " ".join(f"#{i}" for i in items) if items else "")


def _block_request(args: argparse.Namespace) -> dict[str, Any]:
    if args.block_command == "add":
        return {
            "kind": args.kind, "days": args.days, "date": args.date, "start": args.start,
            "end": args.end, "title": args.title, "every_weeks": args.every_weeks,
            "from": args.from_date, "until": args.until,
        }
    if args.block_command == "remove":
        return {"id": args.id}
    return {}


def _rule_request(args: argparse.Namespace) -> dict[str, Any]:
    if args.rule_command == "add":
        return {
            "action": args.action, "sender": args.sender, "source": args.source,
            "urgency": args.urgency, "keywords": args.keywords,
            "time_sensitive": args.time_sensitive, "name": args.name,
            "position": args.position,
        }
    if args.rule_command == "remove":
        return {"id": args.id}
    return {}


def _queue(args: argparse.Namespace, request: dict[str, Any]) -> int:
    """No engine: store the notification durably; it is decided at the next start.

    The text is checked and cleaned exactly as the socket does it
    (``commands.notification_from_request``): the queue is no back door for an empty
    title or a 120 kB body.
    """
    import sqlite3

    from focus_app.commands import CommandError, notification_from_request
    from focus_app.paths import database_path
    from focus_app.store import Store, StoreError

    try:
        notification = notification_from_request(request, datetime.now().astimezone())
    except CommandError as exc:
        _error(str(exc))
        return EXIT_REFUSED

    try:
        store, warning = Store.open(database_path())
    except StoreError as exc:
        _error(str(exc))
        return EXIT_REFUSED
    if warning:
        _error(warning)
    try:
        nid = store.add_queued(notification, key=request["key"])
    except (StoreError, sqlite3.Error) as exc:
        _error(
            f"cannot queue the notification in {store.path}: {exc}; "
            "start focus-app and send it again"
        )
        return EXIT_REFUSED
    finally:
        store.close()
    reason = "queued: focus-app is not running; decided when it next starts"
    if args.json:
        _print_json({"id": nid, "decision": "queued", "release_at": None, "reason": reason})
    else:
        print(f"#{nid} {reason}")
    return 0


# What json.dumps(ensure_ascii=False) leaves raw but a terminal may act on: DEL, the C1
# controls (U+009B is a one-character CSI), bidi overrides, and lone surrogates (which
# cannot even be printed). Escaping them keeps the JSON value exactly as it was.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _print_json(value: Any) -> None:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    print(_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def _say(text: str) -> None:
    """Print one line of human output, made safe (titles and senders are anyone's text)."""
    print(printable(text))


def _print_result(cmd: str, args: argparse.Namespace, result: Any) -> int:
    if getattr(args, "json", False):
        _print_json(result)
        return 0
    if cmd in ("status", "focus", "available", "pause", "resume"):
        print(format_status(result))
    elif cmd == "send":
        _say(f"#{result['id']} {result['reason']}")
    elif cmd == "held":
        if not result:
            print("Nothing held.")
        for item in result:
            who = " · ".join(x for x in (item["sender"], item["source"]) if x) or "unknown"
            _say(f"#{item['id']:<5} {_hhmm(item['received_at'])}  {who}: {item['title']}")
    elif cmd == "window":
        _say(_window_text(result))
    elif cmd == "release":
        problem = result.get("problem") or ""
        if problem and not result["released"]:
            _error(f"released nothing; {result['held']} still held: {problem}")
            return EXIT_REFUSED
        print(f"Released {result['released']}; {result['held']} still held.")
        if problem:
            _error(f"some could not be shown: {problem}")
    elif cmd == "block.list":
        if not result:
            print("No blocks yet: add one with 'focus-app block add'.")
        for b in result:
            when = b["date"] or b["days"]
            every = f" every {b['every_weeks']} weeks" if (b["every_weeks"] or 1) > 1 else ""
            title = f"  {b['title']}" if b["title"] else ""
            _say(f"#{b['id']:<4} {b['kind']:<9} {when}{every} {b['start']}-{b['end']}{title}")
            for line in _exception_lines(b.get("exceptions") or []):
                _say(f"      {line}")
    elif cmd == "block.add":
        when = result["date"] or result["days"]
        _say(f"Added #{result['id']}: {result['kind']} {when} {_span(result)}.")
    elif cmd == "rule.add":
        print(f"Added #{result['id']}.")
    elif cmd in ("block.remove", "rule.remove"):
        print(f"Removed #{result['removed']}.")
    elif cmd == "rule.list":
        if not result:
            print("No rules yet: add one with 'focus-app rule add'.")
        for position, r in enumerate(result, start=1):
            _say(f"{position:>2}. #{r['id']:<4} {r['description']}")
    elif cmd == "export":
        problem = _write_atomically(args.file, result["ics"])
        if problem:
            _error(problem)
            return EXIT_REFUSED
        _say(f"Wrote {result['blocks']} block(s) to {args.file}.")
    elif cmd == "import":
        _print_import(result)
    elif cmd == "calendar.list":
        _print_calendars(result)
    elif cmd in ("calendar.add", "calendar.password") and "caldav" in result:
        if cmd == "calendar.add":
            _say(f"Linked c{result['id']} {result['source']} ({result['caldav']}); it is "
                 "synced now and every 15 min (see 'focus-app calendar list').")
        if result.get("password"):
            _say(f"Password of c{result['id']}: {result['password']}.")
        elif cmd == "calendar.add":
            _say(f"Give its password: 'focus-app calendar password c{result['id']} "
                 "--password-stdin'.")
    elif cmd == "calendar.add":
        _say(f"Following #{result['id']} {result['name']}; it is read now and every "
             f"{result['every_minutes']} min (see 'focus-app calendar list').")
        if result.get("password"):
            _say(f"Password of #{result['id']}: {result['password']}.")
        elif result.get("user"):
            _say(f"Give its password: 'focus-app calendar password {result['id']} "
                 "--password-stdin'.")
    elif cmd == "calendar.password" and "caldav" not in result:
        _say(f"Password of #{result['id']}: {result['password']}.")
    elif cmd == "calendar.remove" and str(result["removed"]).startswith("c"):
        print(f"Unlinked {result['removed']} (its blocks and the server's events stay).")
    elif cmd == "calendar.remove":
        print(f"Removed #{result['removed']} and its {result['blocks']} block(s).")
    elif cmd.startswith(("ask", "request.", "referral.", "status.")):
        _print_boundary(cmd, result)
    else:
        _say(str(result))
    return 0


def _print_boundary(cmd: str, result: Any) -> None:
    """Human output of ``ask``, ``request …``, ``referral …`` and ``status --text``."""
    if cmd == "status.text":
        _say(result["text"])
    elif cmd == "ask":
        _say(f"Request #{result['id']} from {result['from']}: {result['what']} "
             f"({result['estimate_minutes']} min). Triage it with 'focus-app request accept|"
             f"defer|decline|refer {result['id']}'.")
    elif cmd == "request.list":
        if not result:
            print("No requests yet: record one with 'focus-app ask'.")
        for r in result:
            extra = r["booked_text"] or r["defer_until"] or r["referral"] or r["due"] or ""
            _say(f"#{r['id']:<5} {r['status']:<9} {r['from']}: {r['what']} "
                 f"({r['estimate_minutes']} min){'  ' + extra if extra else ''}")
    elif cmd.startswith("request."):
        words = {"accepted": f"Accepted #{result['id']}: booked {result['booked_text']}.",
                 "deferred": f"Deferred #{result['id']} until {result['defer_until']}.",
                 "declined": f"Declined #{result['id']}.",
                 "referred": f"Referred #{result['id']} to {result['referral']}."}
        if cmd != "request.reply":
            _say(words.get(result["status"], f"#{result['id']} is {result['status']}."))
        if result.get("warning"):
            _error(result["warning"])
        if result.get("reply"):
            _say(f"Reply: {result['reply']}" if cmd != "request.reply" else result["reply"])
    elif cmd == "referral.list":
        if not result:
            print("No one in the referral directory yet: add someone with "
                  "'focus-app referral add'.")
        for c in result:
            topics = f" [{', '.join(c['topics'])}]" if c["topics"] else ""
            count = c["referred_recently"]
            recent = f"  referred {count}x in 30 days" if count else ""
            free = f"  ({c['availability']})" if c.get("availability") else ""
            _say(f"{c['name']}  {c['contact']}{topics}{recent}{free}")
    elif cmd == "referral.add":
        _say(f"Added {result['name']} to the referral directory.")
    elif cmd == "referral.edit":
        _say(f"Changed {result['name']} in the referral directory.")
    elif cmd == "referral.remove":
        _say(f"Removed {result['removed']} from the referral directory.")
    elif cmd == "referral.ask":
        _say(result["text"])


def _exception_lines(exceptions: list[dict[str, Any]]) -> list[str]:
    """One line per changed occurrence: ``thu 2026-12-03 skipped`` or ``... moved to ...``.

    Without them ``block list`` shows a series that no longer says what will happen.
    """
    lines = []
    for e in sorted(exceptions, key=lambda e: str(e["date"])):
        day = datetime.fromisoformat(e["date"]).strftime("%a %Y-%m-%d").lower()
        if e["skip"]:
            lines.append(f"{day} skipped")
            continue
        start, end = datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"])
        to_day = "" if start.date().isoformat() == e["date"] else f"{start:%a %Y-%m-%d} ".lower()
        end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a %H:%M}".lower()
        lines.append(f"{day} moved to {to_day}{start:%H:%M}-{end_text}")
    return lines


def _print_import(result: dict[str, Any]) -> None:
    """The import's preview (``--dry-run``) or what it did, one line per fact."""
    added, updated = len(result["added"]), len(result["updated"])
    removed, unchanged = len(result["removed"]), result["unchanged"]
    if result["dry_run"]:
        print(f"Would add {added} block(s), update {updated}, remove {removed}; "
              f"{unchanged} already up to date. Nothing was stored (--dry-run).")
    else:
        print(f"Imported {added} new block(s), updated {updated}, removed {removed}; "
              f"{unchanged} already up to date.")
    kinds = ", ".join(f"{count} {kind}" for kind, count in result["kinds"].items())
    if kinds:
        first, last = result["first"], result["last"]
        span = f" from {first or 'the start'} to {last or 'no end'}"
        print(f"Blocks by kind: {kinds};{span}.")
    if result["skipped"]:
        print(f"Skipped {len(result['skipped'])} event(s):")
    for line in result["skipped"]:
        _say(f"  skipped: {line}")
    for line in result["problems"]:
        _say(f"  note: {line}")


def _span(block: dict[str, Any]) -> str:
    """``09:00–11:00``; ``19:00–07:00 (ends the next day)``; an end of 00:00 is ``24:00``.

    A block whose end is at or before its start runs overnight. That is often meant
    (19:00–07:00) but sometimes a typo (10:00–09:00 is 23 hours), so the line says it.
    """
    start, end = block["start"], block["end"]
    if end == "00:00":
        return f"{start}–24:00"
    if end <= start:
        return f"{start}–{end} (ends the next day)"
    return f"{start}–{end}"


def _write_atomically(path: Path, text: str) -> str | None:
    """Write ``text`` to ``path`` via a temporary file and a rename; a message on failure.

    An interrupted export never leaves a half-written calendar where a good one was.
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with open(fd, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        return (
            f"cannot write {path}: {exc.strerror or exc}; "
            "check that the folder exists and is writable"
        )
    return None


def _hhmm(iso: str) -> str:
    return clock_text(iso)


if __name__ == "__main__":
    sys.exit(main())
