"""IPC benchmark: ``send`` throughput and answer times against the real headless engine.

Targets (issue 2): at least 2,000 notifications/s from 8 concurrent clients with every held
item durable before its answer, and a p99 answer time of at most 10 ms at a steady 100/s.

Run from the repository root: ``python -m benchmarks.bench_ipc``. It starts
``focus-app --headless`` in throwaway XDG folders, adds a focus block covering now (so every
notification is held, i.e. committed to SQLite before the answer), measures, then checks
that the database holds every notification that was answered.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from focus_app.ipc_client import Client

CLIENTS = 8
PER_CLIENT = 1_000
STEADY_RATE = 100
STEADY_SECONDS = 10
TARGET_THROUGHPUT = 2_000.0
TARGET_P99_MS = 10.0


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("config", "data", "state", "cache"):
        (root / name).mkdir()
        env[f"XDG_{name.upper()}_HOME"] = str(root / name)
    runtime = root / "rt"
    runtime.mkdir(mode=0o700)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # held items never reach a server anyway
    return env


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "focus_app", *args], env=env, check=True,
                   capture_output=True)


def _sender(args: tuple[str, int, int]) -> tuple[float, int]:
    sock, client_no, count = args
    held = 0
    with Client(Path(sock)) as client:
        start = time.perf_counter()
        for i in range(count):
            answer = client.call("send", title=f"bench {client_no}/{i}",
                                 sender=f"client-{client_no}-{i}", source="bench")
            held += answer["decision"] == "held"
        return time.perf_counter() - start, held


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="fa-bench-") as tmp:
        root = Path(tmp)
        env = _env(root)
        log = (root / "engine.log").open("wb")
        engine = subprocess.Popen([sys.executable, "-m", "focus_app", "--headless"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        sock = Path(env["XDG_RUNTIME_DIR"]) / "focus-app" / "focus-app.sock"
        try:
            deadline = time.monotonic() + 20
            while not sock.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            now = datetime.now()
            _cli(env, "block", "add", "--kind", "focus", "--days", "daily",
                 "--start", (now - timedelta(hours=1)).strftime("%H:%M"),
                 "--end", (now + timedelta(hours=3)).strftime("%H:%M"))
            _cli(env, "rule", "list")  # warm-up

            # Throughput: 8 client processes, one connection each, back to back.
            with multiprocessing.Pool(CLIENTS) as pool:
                wall = time.perf_counter()
                results = pool.map(_sender, [(str(sock), c, PER_CLIENT) for c in range(CLIENTS)])
                wall = time.perf_counter() - wall
            total = CLIENTS * PER_CLIENT
            held = sum(h for _, h in results)
            throughput = total / wall

            # Answer times at a steady rate.
            times: list[float] = []
            with Client(sock) as client:
                interval = 1 / STEADY_RATE
                next_at = time.perf_counter()
                for i in range(STEADY_RATE * STEADY_SECONDS):
                    next_at += interval
                    start = time.perf_counter()
                    client.call("send", title=f"steady {i}", sender=f"steady-{i}")
                    times.append((time.perf_counter() - start) * 1000)
                    delay = next_at - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
        finally:
            engine.terminate()
            engine.wait(10)
            log.close()
            if os.environ.get("BENCH_SHOW_LOG"):
                print((root / "engine.log").read_text())
        db = sqlite3.connect(root / "data" / "focus-app" / "focus-app.sqlite3")
        query = "SELECT count(*) FROM notifications WHERE status = 'held'"
        stored_held = db.execute(query).fetchone()[0]
        db.close()

    times.sort()
    p50 = statistics.median(times)
    p99 = times[int(len(times) * 0.99) - 1]
    expected_held = total + len(times)
    ok_tp = throughput >= TARGET_THROUGHPUT and held == total
    ok_p99 = p99 <= TARGET_P99_MS
    ok_durable = stored_held == expected_held
    print("IPC send (real headless engine, every item held and committed before the answer)")
    print(f"  throughput, {CLIENTS} clients x {PER_CLIENT}: {throughput:,.0f}/s "
          f"(target >= {TARGET_THROUGHPUT:,.0f}/s)  {'PASS' if ok_tp else 'FAIL'}")
    print(f"  answer time at {STEADY_RATE}/s for {STEADY_SECONDS} s: p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms, max {times[-1]:.2f} ms (target p99 <= {TARGET_P99_MS} ms)  "
          f"{'PASS' if ok_p99 else 'FAIL'}")
    print(f"  durable: {stored_held} held rows for {expected_held} answers  "
          f"{'PASS' if ok_durable else 'FAIL'}")
    return 0 if ok_tp and ok_p99 and ok_durable else 1


if __name__ == "__main__":
    sys.exit(main())
