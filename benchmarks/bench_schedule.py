"""How long ``Schedule.next_transition`` takes with 1,000 recurring blocks.

Run from the repository root::

    python -m benchmarks.bench_schedule [--calls N] [--target-ms MS] [--seed S]

Builds 1,000 recurring blocks (mixed kinds, weekdays, every 1-4 weeks, some over midnight,
some with start/until dates and exceptions) in Europe/Berlin, then measures:

* the cold first call on a fresh schedule (it expands and merges the first week),
* steady state: after a warm-up over the same span, the median and p99 of single calls
  at random instants spread over a few weeks around a daylight-saving change.

Prints the figures and PASS or FAIL (steady-state p99 against 1 ms by default); exits with
status 1 on FAIL. ``main()`` takes an argument list so a combined runner can call it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from datetime import time as wall
from zoneinfo import ZoneInfo

from focus_app.core.model import Block, BlockException, BlockKind, Recurrence
from focus_app.core.schedule import Schedule

TARGET_MS = 1.0
DEFAULT_CALLS = 20_000
N_BLOCKS = 1_000
TZ = ZoneInfo("Europe/Berlin")
START = datetime(2024, 3, 18, tzinfo=TZ)  # a Monday; DST begins on 2024-03-31
SPAN = timedelta(weeks=4)


def make_blocks(rng: random.Random) -> list[Block]:
    """1,000 recurring blocks in a realistic but dense mix."""
    # Off-time is rare and long blocks are few: otherwise off wins almost everywhere and
    # the timeline has few transitions, which would flatter the figures.
    kinds = [BlockKind.FOCUS] * 10 + [BlockKind.AVAILABLE] * 9 + [BlockKind.OFF]
    blocks: list[Block] = []
    for i in range(N_BLOCKS):
        start_minute = rng.randrange(0, 24 * 60, 5)
        length = rng.choice([15, 25, 30, 45, 50, 60, 90, 120])
        end_minute = (start_minute + length) % (24 * 60)
        starts = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 60)) if i % 4 == 0 else None
        until = date(2024, 6, 1) + timedelta(days=rng.randrange(0, 200)) if i % 5 == 0 else None
        exceptions: tuple[BlockException, ...] = ()
        if i % 7 == 0:
            day = START.date() + timedelta(days=rng.randrange(0, 28))
            moved = datetime.combine(day, wall(rng.randrange(6, 20)))
            exceptions = (
                BlockException(day + timedelta(days=1)),
                BlockException(day, moved, moved + timedelta(minutes=length)),
            )
        blocks.append(
            Block(
                kind=rng.choice(kinds),
                start=wall(start_minute // 60, start_minute % 60),
                end=wall(end_minute // 60, end_minute % 60),
                title=f"block {i}",
                recurrence=Recurrence(
                    weekdays=frozenset(rng.sample(range(7), rng.randint(1, 5))),
                    interval_weeks=rng.choice([1, 1, 1, 2, 3, 4]),
                    starts=starts,
                    until=until,
                ),
                exceptions=exceptions,
                id=i,
            )
        )
    return blocks


def random_instants(rng: random.Random, count: int) -> list[datetime]:
    seconds = int(SPAN.total_seconds())
    return [START + timedelta(seconds=rng.randrange(seconds)) for _ in range(count)]


def run(calls: int, seed: int) -> dict[str, float]:
    """Measure; returns the figures in milliseconds (and the transition count)."""
    rng = random.Random(seed)
    blocks = make_blocks(rng)

    schedule = Schedule(blocks, tz=TZ)
    began = time.perf_counter()
    schedule.next_transition(START + timedelta(hours=9))
    cold_ms = (time.perf_counter() - began) * 1000

    began = time.perf_counter()
    # Warm-up: fills the cache for the whole span (and the week after it, which calls
    # near the end of the span may reach).
    for t in random_instants(rng, 2_000):
        schedule.next_transition(t)
    schedule.next_transition(START + SPAN + timedelta(days=6))
    warmup_s = time.perf_counter() - began

    samples: list[float] = []
    clock = time.perf_counter
    for t in random_instants(rng, calls):
        began = clock()
        schedule.next_transition(t)
        samples.append((clock() - began) * 1000)
    samples.sort()

    # How many transitions there are in the span, for scale.
    transitions = 0
    cursor: datetime | None = START
    while cursor is not None and cursor < START + SPAN:
        cursor = schedule.next_transition(cursor)
        transitions += 1
    return {
        "cold_ms": cold_ms,
        "warmup_s": warmup_s,
        "median_ms": statistics.median(samples),
        "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        "max_ms": samples[-1],
        "transitions": float(transitions),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the figures and PASS/FAIL; 0 on PASS, 1 on FAIL."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_schedule")
    parser.add_argument("--calls", type=int, default=DEFAULT_CALLS, help="timed calls")
    parser.add_argument("--target-ms", type=float, default=TARGET_MS, help="p99 target")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    figures = run(args.calls, args.seed)
    ok = figures["p99_ms"] <= args.target_ms
    print(f"Schedule.next_transition, {N_BLOCKS} recurring blocks, {TZ.key}")
    print(f"  transitions in {SPAN.days} days: {int(figures['transitions'])}")
    print(f"  cold first call:        {figures['cold_ms']:8.2f} ms")
    print(f"  warm-up (2,000 calls):  {figures['warmup_s']:8.2f} s")
    print(f"  steady state, {args.calls:,} calls:")
    print(f"    median                {figures['median_ms'] * 1000:8.1f} µs")
    print(f"    p99                   {figures['p99_ms'] * 1000:8.1f} µs")
    print(f"    max                   {figures['max_ms'] * 1000:8.1f} µs")
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict}: p99 {figures['p99_ms']:.3f} ms against a target of {args.target_ms} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
