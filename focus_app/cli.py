"""The command line (DESIGN.md: a public interface, scripts depend on it).

``focus-app`` with no command starts the app; every other command talks to the running
engine over its socket. This module imports no Qt, so commands answer quickly.

Exit status: 0 done; 1 the engine refused the request (the message says why); 2 bad
usage; 3 the engine is not running (the message says how to start it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from focus_app import DISPLAY_NAME, __version__
from focus_app.ipc_client import Client, NotRunning, RemoteError
from focus_app.status_text import clock_text, format_status

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

    p = sub.add_parser("send", help="hand a notification to the gate")
    p.add_argument("title")
    p.add_argument("--body", default="")
    p.add_argument("--sender", default="")
    p.add_argument("--source", default="")
    p.add_argument("--urgency", choices=["low", "normal", "critical"], default="normal")
    p.add_argument("--time-sensitive", action="store_true")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("focus", help="focus now (default 25m)")
    p.add_argument("duration", nargs="?", help="e.g. 25m, 1h30m")
    p.add_argument("--reason", default="")
    p = sub.add_parser("available", help="available now (default 30m)")
    p.add_argument("duration", nargs="?")
    p.add_argument("--reason", default="")
    p = sub.add_parser("pause", help="pause the boundaries (default 1h)")
    p.add_argument("duration", nargs="?")
    p.add_argument("--until", metavar="HH:MM")
    p.add_argument("--reason", default="")
    sub.add_parser("resume", help="back to the schedule")

    p = sub.add_parser("held", help="list held notifications")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("release", help="release held notifications now (all, or these ids)")
    p.add_argument("ids", nargs="*", type=int, metavar="ID")

    block = sub.add_parser("block", help="focus blocks and availability windows")
    bsub = block.add_subparsers(dest="block_command", metavar="ACTION", required=True,
                                parser_class=_Parser)
    p = bsub.add_parser("add", help="add a block")
    p.add_argument("--kind", required=True, choices=["focus", "available", "off"])
    p.add_argument("--days", help="e.g. mon,tue,fri or mon-fri")
    p.add_argument("--date", help="a one-off block on YYYY-MM-DD instead of --days")
    p.add_argument("--start", required=True, metavar="HH:MM")
    p.add_argument("--end", required=True, metavar="HH:MM")
    p.add_argument("--title", default="")
    p.add_argument("--every-weeks", type=int, default=1, metavar="N")
    p.add_argument("--from", dest="from_date", metavar="YYYY-MM-DD")
    p.add_argument("--until", metavar="YYYY-MM-DD")
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

    p = sub.add_parser("export", help="write the blocks to an iCalendar file")
    p.add_argument("file", type=Path)
    p = sub.add_parser("import", help="add blocks from an iCalendar file")
    p.add_argument("file", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from focus_app.app import run_app  # Qt only when the app starts

        return run_app(headless=args.headless)
    if args.headless:
        print("focus-app: --headless starts the engine; it takes no command", file=sys.stderr)
        return EXIT_USAGE
    try:
        return _run_command(args)
    except NotRunning:
        if args.command == "send":
            return _queue(args)
        print(NOT_RUNNING, file=sys.stderr)
        return EXIT_NOT_RUNNING
    except RemoteError as exc:
        print(f"focus-app: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as exc:
        print(f"focus-app: {exc}", file=sys.stderr)
        return EXIT_REFUSED


def _socket() -> Path:
    from focus_app.paths import socket_path

    return socket_path()


def _run_command(args: argparse.Namespace) -> int:
    cmd = args.command
    request: dict[str, Any]
    if cmd == "send":
        request = {
            "title": args.title, "body": args.body, "sender": args.sender,
            "source": args.source, "urgency": args.urgency,
            "time_sensitive": args.time_sensitive,
        }
    elif cmd in ("focus", "available", "pause"):
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
        try:
            request = {"ics": args.file.read_text(encoding="utf-8")}
        except (OSError, UnicodeDecodeError) as exc:
            print(f"focus-app: cannot read {args.file}: {exc}", file=sys.stderr)
            return EXIT_REFUSED
    else:
        request = {}
    with Client(_socket()) as client:
        result = client.call(cmd, **request)
    return _print_result(cmd, args, result)


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


def _queue(args: argparse.Namespace) -> int:
    """No engine: store the notification durably; it is decided at the next start."""
    from focus_app.core.model import Notification, Urgency
    from focus_app.paths import database_path
    from focus_app.store import Store

    store, warning = Store.open(database_path())
    if warning:
        print(f"focus-app: {warning}", file=sys.stderr)
    try:
        nid = store.add_queued(
            Notification(
                title=args.title, body=args.body, sender=args.sender, source=args.source,
                urgency=Urgency(args.urgency), time_sensitive=args.time_sensitive,
                received_at=datetime.now().astimezone(),
            )
        )
    finally:
        store.close()
    reason = "queued: focus-app is not running; decided when it next starts"
    if args.json:
        _print_json({"id": nid, "decision": "queued", "release_at": None, "reason": reason})
    else:
        print(f"#{nid} {reason}")
    return 0


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _print_result(cmd: str, args: argparse.Namespace, result: Any) -> int:
    if getattr(args, "json", False):
        _print_json(result)
        return 0
    if cmd in ("status", "focus", "available", "pause", "resume"):
        print(format_status(result))
    elif cmd == "send":
        print(f"#{result['id']} {result['reason']}")
    elif cmd == "held":
        if not result:
            print("Nothing held.")
        for item in result:
            who = " · ".join(x for x in (item["sender"], item["source"]) if x) or "unknown"
            print(f"#{item['id']:<5} {_hhmm(item['received_at'])}  {who}: {item['title']}")
    elif cmd == "release":
        print(f"Released {result['released']}; {result['held']} still held.")
    elif cmd == "block.list":
        if not result:
            print("No blocks yet: add one with 'focus-app block add'.")
        for b in result:
            when = b["date"] or b["days"]
            every = f" every {b['every_weeks']} weeks" if (b["every_weeks"] or 1) > 1 else ""
            title = f"  {b['title']}" if b["title"] else ""
            print(f"#{b['id']:<4} {b['kind']:<9} {when}{every} {b['start']}-{b['end']}{title}")
    elif cmd in ("block.add", "rule.add"):
        print(f"Added #{result['id']}.")
    elif cmd in ("block.remove", "rule.remove"):
        print(f"Removed #{result['removed']}.")
    elif cmd == "rule.list":
        if not result:
            print("No rules yet: add one with 'focus-app rule add'.")
        for position, r in enumerate(result, start=1):
            print(f"{position:>2}. #{r['id']:<4} {r['description']}")
    elif cmd == "export":
        args.file.write_text(result["ics"], encoding="utf-8", newline="")
        print(f"Wrote {result['blocks']} block(s) to {args.file}.")
    elif cmd == "import":
        print(f"Imported {len(result['added'])} block(s).")
        for line in result["skipped"]:
            print(f"  skipped: {line}")
    else:
        print(result)
    return 0


def _hhmm(iso: str) -> str:
    return clock_text(iso)
