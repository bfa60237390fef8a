"""A calendar served over real HTTP on 127.0.0.1 (a free port), for subscription tests.

The text can be changed between requests; the server answers ETags and 304s like a
calendar host does, can be told to fail, and counts the requests it got.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CalendarHost:
    """What the server serves (set ``text``, ``status``) and what it saw (``requests``)."""

    def __init__(self) -> None:
        self.text = ""
        self.status = 200
        self.requests = 0
        self.url = ""


@contextmanager
def serve_calendar(path: str = "/work.ics") -> Iterator[CalendarHost]:
    host = CalendarHost()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host.requests += 1
            if self.path != path:
                self.send_error(404)
                return
            if host.status != 200:
                self.send_error(host.status)
                return
            body = host.text.encode()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def vevent(uid: str, start: str, end: str, summary: str, extra: str = "") -> str:
    """One VEVENT, times in UTC (``20261130T090000Z``), weekly on its weekday."""
    return (
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\n"
        "RRULE:FREQ=WEEKLY\r\n"
        f"{extra}"
        "END:VEVENT\r\n"
    )


def calendar(*events: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//work calendar//EN\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    )
