"""Desktop gate benchmark (issue 7): the real app catching other programs' notifications.

Everything is real: ``focus-app`` started as a user starts it, dunst as the notification
server on a private session bus under Xvfb (``tests.e2e.harness.DesktopSession``), and a
sender process that calls ``Notify`` as a chat program does (``tests.e2e.senders``).

Targets (issue 7, "Benchmarks"):

* **recorded per second** (``focus-app --headless``, during a focus block): a sender sends
  N notifications from "Slack" as fast as it can, without waiting for replies (dunst
  answers ~1,700 a second at best and stalls when many calls are in flight, see
  ``tests.e2e.senders``; the watcher sees every call either way); timed from the
  sender's first call until all N are rows in the app's database (counted read-only
  every 5 ms). At least 2,000/s, and none missing.
* **breakthrough re-show latency**: with a priority rule for "Alice", 200 notifications
  from Alice, one at a time (each waits for the one before to be shown again). A monitor
  connection of the benchmark sees both the original ``Notify`` and the app's re-show
  (hint ``x-focus-app-reshow``) and stamps each with ``time.monotonic()`` on receipt.
  After each, ``dunstctl close-all`` (the user dismissed it; not timed). p99 at most
  100 ms.
* **idle wake-ups and RSS with the gate active** (the tray app under Xvfb + trayer, as
  ``bench_tray`` runs it, beside the minimal PySide6 tray in the same run): the app is put
  in a focus block, so the watcher listens, dunst's do-not-disturb is on and the guardian
  process is armed. Voluntary context switches of every thread over the idle window:
  0 in total, the app and the guardian (a separate process, which should sit blocked in
  a read of its stdin) each counted and reported. RSS of the app alone 10 s after the
  focus started at most 5 MB over the 78.4 MB recorded before the gate; the guardian's
  RSS is reported separately. As in ``bench_tray``: one unmeasured launch of each program
  first (compiled bytecode, the database created), and the app starts as a returning user
  (the first-run guide, a window shown once, was done).

Run from the repository root: ``python -m benchmarks.bench_desktop_gate`` (about 5
minutes; ``--count N``, ``--reshows N``, ``BENCH_GATE_IDLE=SECONDS`` for the idle window,
default 180). Exit status 0 when every target passes.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import os
import queue
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from jeepney import DBusAddress, MessageType, new_method_call  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

from benchmarks.bench_tray import (
    BASELINE,
    FOCUS_APP,
    RSS_ISSUE3_MB,
    RSS_ISSUE7_ALLOWANCE_MB,
    Desk,
    _status_field,
    family,
    launch,
    one_start,
    status_answers,
    stop,
    switches,
    wait_until,
)
from focus_app.desktop.watcher import RESHOW_HINT
from focus_app.ipc_client import Client
from tests.e2e.harness import DesktopSession
from tests.e2e.senders import NOTIFICATIONS, notify_message, sender_result, start_sender

TARGET_RECORDED_PER_S = 2_000.0
TARGET_RESHOW_P99_MS = 100.0
TARGET_WAKEUPS = 0
DEFAULT_COUNT = 20_000
DEFAULT_RESHOWS = 200
SETTLE_S = 10.0
IDLE_S = float(os.environ.get("BENCH_GATE_IDLE", "180"))
IDLE_PARTS = 3
RESHOW_WAIT_S = 2.0

_T = TypeVar("_T")
_NOTIFY_RULE = "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _socket(env: dict[str, str]) -> Path:
    return Path(env["XDG_RUNTIME_DIR"]) / "focus-app" / "focus-app.sock"


def _database(env: dict[str, str]) -> Path:
    return Path(env["XDG_DATA_HOME"]) / "focus-app" / "focus-app.sqlite3"


def _call(env: dict[str, str], cmd: str, **args: Any) -> Any:
    with Client(_socket(env), timeout=10) as client:
        return client.call(cmd, **args)


def _quiet_settings(env: dict[str, str]) -> None:
    """No escalation of repeated senders: the flood is about holding, not escalating."""
    path = Path(env["XDG_CONFIG_HOME"]) / "focus-app" / "settings.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[gate]\nrepeat_escalation_minutes = 0\n")


def _focus(session: DesktopSession, proc: Any) -> None:
    """Start a long focus block and wait until dunst is paused by the app."""
    _call(session.env, "focus", duration="8h")
    wait_until(
        "dunst to be paused for the focus block",
        lambda: session.dunstctl("is-paused").strip() == "true",
        proc,
    )


class Monitor:
    """A monitor connection that stamps every ``Notify`` call on receipt.

    ``events`` receives ``(monotonic, is_reshow, summary, body)``.
    """

    def __init__(self, address: str) -> None:
        self.events: queue.Queue[tuple[float, bool, str, str]] = queue.Queue()
        self._conn = open_dbus_connection(address)
        monitoring = DBusAddress(
            "/org/freedesktop/DBus", "org.freedesktop.DBus", "org.freedesktop.DBus.Monitoring"
        )
        reply = self._conn.send_and_get_reply(
            new_method_call(monitoring, "BecomeMonitor", "asu", ([_NOTIFY_RULE], 0)), timeout=5
        )
        if reply.header.message_type is MessageType.error:
            raise RuntimeError(f"the test bus refused a monitor: {reply.body}")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                msg = self._conn.receive()
            except (OSError, ValueError):
                return
            now = time.monotonic()
            if msg.header.message_type is not MessageType.method_call:
                continue
            body = msg.body
            self.events.put((now, RESHOW_HINT in body[6], body[3], body[4]))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.close()
        self._thread.join(2)


def recorded_per_second(session: DesktopSession, proc: Any, count: int) -> dict[str, float]:
    """Flood ``count`` caught notifications; time until all are rows in the database."""
    db = sqlite3.connect(f"file:{_database(session.env)}?mode=ro", uri=True)
    try:

        def caught() -> tuple[int, int]:
            row = db.execute(
                "SELECT count(*), coalesce(sum(status = 'held'), 0) FROM notifications"
                " WHERE origin = 'caught'"
            ).fetchone()
            return int(row[0]), int(row[1])

        before, _ = caught()
        sender = start_sender(session.bus_address, count, 0, "Slack", window=0)
        deadline = time.monotonic() + 120
        stored = 0
        while stored < count and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.005)
            stored = caught()[0] - before
        done = time.monotonic()
        sent = sender_result(sender, timeout=60)
        _, held = caught()
    finally:
        db.close()
    seconds = done - sent["start"]
    return {
        "stored": stored,
        "held": held,
        "seconds": seconds,
        "rate": stored / seconds if seconds > 0 else 0.0,
        "sender_rate": sent["sent"] / sent["seconds"],
        "answered": sent["answered"],
        "errors": sent["errors"],
    }


def reshow_latencies(session: DesktopSession, count: int) -> tuple[list[float], int]:
    """Send ``count`` breakthroughs one at a time; their re-show latencies (ms) and misses."""
    _call(session.env, "rule.add", sender="Alice", action="priority")
    monitor = Monitor(session.bus_address)
    server_info = new_method_call(NOTIFICATIONS, "GetServerInformation")
    latencies: list[float] = []
    missed = 0
    try:
        with open_dbus_connection(session.bus_address) as conn:
            # dunst may still be working through a flood sent before: wait until it answers.
            conn.send_and_get_reply(server_info, timeout=120)
            for i in range(count):
                text = f"the build server is down ({i})"
                conn.send_and_get_reply(notify_message("Slack", "Alice", text), timeout=5)
                original = None
                deadline = time.monotonic() + RESHOW_WAIT_S
                while True:
                    try:
                        at, reshow, _summary, body = monitor.events.get(
                            timeout=max(0.0, deadline - time.monotonic())
                        )
                    except queue.Empty:
                        missed += 1
                        break
                    if not body.startswith(text):
                        continue
                    if not reshow:
                        original = at
                    elif original is not None:
                        latencies.append((at - original) * 1000)
                        break
                # The user dismisses it: dunst shows every notification at once, and each
                # further one on screen slows its answers (p50 56 ms after 30 shown,
                # 254 ms after 200), which would measure dunst's drawing, not the app.
                session.dunstctl("close-all")
    finally:
        monitor.close()
    return latencies, missed


def headless_run(measure: Callable[[DesktopSession, Any], _T]) -> _T:
    """``measure(session, app)`` with ``focus-app --headless`` in a focus block on dunst."""
    with DesktopSession() as session:
        _quiet_settings(session.env)
        proc = launch(session.env, ["-m", "focus_app", "--headless"], session.root / "app.log")
        try:
            wait_until("focus-app's status", functools.partial(status_answers, session.env), proc)
            wait_until("the desktop gate to drive dunst",
                       lambda: _call(session.env, "status").get("dnd") == "dunst", proc)
            _focus(session, proc)
            result = measure(session, proc)
            if proc.poll() is not None:
                raise RuntimeError(f"focus-app exited; see {session.root / 'app.log'}")
        finally:
            stop(proc)
    return result


def _percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def idle_with_gate(idle_s: float) -> dict[str, Any]:
    """The tray app in a focus block beside the baseline: RSS and wake-ups of each process."""
    with DesktopSession(with_tray=True) as session:
        _quiet_settings(session.env)
        desk = Desk(session)
        for which in (BASELINE, FOCUS_APP):
            # Unmeasured, as in bench_tray: compiled bytecode (an installed program has
            # it; compiling ~400 modules at start leaves ~2.5 MB more heap) and a database.
            one_start(desk, which, session.root / f"{which[0]}.log")
        procs = {name: launch(desk.env, args, session.root / f"{name}.log")
                 for name, args, _ in (BASELINE, FOCUS_APP)}
        try:
            for name, _, wm_class in (BASELINE, FOCUS_APP):
                wait_until(f"{name}'s icon",
                           functools.partial(desk.icon_embedded, wm_class), procs[name])
            app = procs["focus-app"]
            wait_until("focus-app's status", functools.partial(status_answers, desk.env), app)
            _focus(session, app)
            wait_until("the guardian process", lambda: len(family(app.pid)) > 1, app)
            status = _call(session.env, "status")
            started = time.monotonic()
            time.sleep(SETTLE_S)
            guardian = [p for p in family(app.pid) if p != app.pid]
            rss = {
                "baseline": sum(_status_field(Path(f"/proc/{p}/status"), "VmRSS")
                                for p in family(procs["baseline"].pid)) / 1024,
                "focus-app": _status_field(Path(f"/proc/{app.pid}/status"), "VmRSS") / 1024,
                "guardian": sum(_status_field(Path(f"/proc/{p}/status"), "VmRSS")
                                for p in guardian) / 1024,
            }
            marks = [_by_process(procs)]
            for _ in range(IDLE_PARTS):
                time.sleep(idle_s / IDLE_PARTS)
                marks.append(_by_process(procs))
            for name, p in procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited during the idle window")
            still_paused = session.dunstctl("is-paused").strip() == "true"
        finally:
            for p in procs.values():
                stop(p)
    counts: list[dict[str, int]] = []
    woke: list[dict[str, int]] = []
    for before, after in itertools.pairwise(marks):
        deltas = {t: after[t] - before.get(t, 0) for t in after}
        counts.append({})
        for key in ("baseline", "focus-app", "guardian"):
            counts[-1][key] = sum(d for t, d in deltas.items() if t.startswith(key + " "))
        woke.append({t: d for t, d in deltas.items() if d})
    return {
        "rss": rss,
        "counts": counts,
        "woke": woke,
        "status": status,
        "settled_for": time.monotonic() - started,
        "still_paused": still_paused,
    }


def _by_process(procs: dict[str, Any]) -> dict[str, int]:
    """Voluntary switches per thread, keyed ``"<process> <pid/tid name>"``."""
    out: dict[str, int] = {}
    app_pid = procs["focus-app"].pid
    for name, proc in procs.items():
        for thread, n in switches(proc.pid).items():
            pid = int(thread.split("/", 1)[0])
            who = "guardian" if name == "focus-app" and pid != app_pid else name
            out[f"{who} {thread}"] = n
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--reshows", type=int, default=DEFAULT_RESHOWS)
    args = parser.parse_args(argv)

    print(f"Desktop gate: focus-app --headless, dunst, {args.count:,} caught from 'Slack' "
          f"and {args.reshows} breakthroughs from 'Alice' ...", flush=True)
    flood = headless_run(lambda session, proc: recorded_per_second(session, proc, args.count))
    print(f"  ... {flood['stored']:,.0f} recorded at {flood['rate']:,.0f}/s", flush=True)
    # A fresh desktop: the flood's notifications stay queued in dunst (no ids to close them
    # by), and the first breakthrough would make dunst show them all.
    latencies, missed = headless_run(
        lambda session, _proc: reshow_latencies(session, args.reshows)
    )

    print(f"Idle: tray app in a focus block beside the baseline tray; RSS {SETTLE_S:g} s "
          f"after the focus started, wake-ups over the {IDLE_S:g} s after that ...", flush=True)
    idle = idle_with_gate(IDLE_S)

    ok_rate = flood["rate"] >= TARGET_RECORDED_PER_S
    ok_whole = flood["stored"] == args.count == flood["held"] and not flood["errors"]
    p50, p95, p99 = (_percentile(latencies, p) for p in (50, 95, 99))
    ok_reshow = not missed and len(latencies) == args.reshows and p99 <= TARGET_RESHOW_P99_MS
    rss = idle["rss"]
    ok_rss = rss["focus-app"] <= RSS_ISSUE3_MB + RSS_ISSUE7_ALLOWANCE_MB
    app_wake = sum(c["focus-app"] for c in idle["counts"])
    guardian_wake = sum(c["guardian"] for c in idle["counts"])
    base_wake = sum(c["baseline"] for c in idle["counts"])
    ok_wake = app_wake + guardian_wake <= TARGET_WAKEUPS

    print()
    print("Desktop gate (issue 7)")
    print(f"  recorded per second, {args.count:,} caught during focus: {flood['rate']:,.0f}/s "
          f"({flood['seconds']:.2f} s from the first Notify to the last row; "
          f"target >= {TARGET_RECORDED_PER_S:,.0f}/s)  {_verdict(ok_rate)}")
    print(f"    the sender's own pace: {flood['sender_rate']:,.0f}/s, "
          f"{flood['answered']:,.0f} answered by dunst, {flood['errors']:,.0f} errors")
    print(f"  complete: {flood['stored']:,.0f} stored, {flood['held']:,.0f} held, of "
          f"{args.count:,} sent  {_verdict(ok_whole)}")
    print(f"  breakthrough re-show latency, {len(latencies)} of {args.reshows} "
          f"(missed {missed}): p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
          f"max {max(latencies, default=float('nan')):.1f} ms "
          f"(target p99 <= {TARGET_RESHOW_P99_MS:g} ms)  {_verdict(ok_reshow)}")
    print(f"  tray app in a focus block: status dnd={idle['status'].get('dnd')!r}, "
          f"catching={idle['status'].get('catching')!r}, dunst still paused at the end: "
          f"{idle['still_paused']}")
    print(f"  idle RSS {SETTLE_S:g} s after focus began: focus-app {rss['focus-app']:.1f} MB "
          f"(baseline tray {rss['baseline']:.1f} MB; before the gate {RSS_ISSUE3_MB:g} MB, "
          f"{rss['focus-app'] - RSS_ISSUE3_MB:+.1f}; target <= +{RSS_ISSUE7_ALLOWANCE_MB:g})  "
          f"{_verdict(ok_rss)}")
    print(f"    guardian process (separate): {rss['guardian']:.1f} MB")
    part_s = IDLE_S / IDLE_PARTS
    for i, c in enumerate(idle["counts"]):
        print(f"  idle wake-ups {SETTLE_S + i * part_s:g}-{SETTLE_S + (i + 1) * part_s:g} s: "
              f"baseline {c['baseline']}, focus-app {c['focus-app']}, guardian {c['guardian']}")
    print(f"  idle wake-ups/min over {IDLE_S:g} s: focus-app {app_wake * 60 / IDLE_S:.1f}, "
          f"guardian {guardian_wake * 60 / IDLE_S:.1f} (baseline {base_wake * 60 / IDLE_S:.1f}; "
          f"target {TARGET_WAKEUPS} in total for focus-app + guardian)  {_verdict(ok_wake)}")
    for i, woke in enumerate(idle["woke"]):
        for thread, n in sorted(woke.items()):
            print(f"    part {i + 1}: {thread} woke {n}x")
    return 0 if ok_rate and ok_whole and ok_reshow and ok_rss and ok_wake else 1


if __name__ == "__main__":
    sys.exit(main())
