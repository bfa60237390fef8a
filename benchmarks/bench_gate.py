"""How many gate decisions a second, with 200 rules and a 1,000-block schedule.

Run from the repository root::

    python -m benchmarks.bench_gate [--decisions N] [--target PER_SECOND] [--seed S]

The gate holds 200 rules (exact senders and sources, wildcards, keywords, a few
combinations; most do not match a given notification) and a realistic set of built-in
lists. The context comes from a 1,000-block schedule through ``resolve_state``, the way
the engine does it: the state is cached and recomputed (with ``next_release_at`` and
``next_window_after``) only when ``now`` passes ``state.until``. The clock advances a
few seconds per notification, so the run crosses many transitions; that cost is part
of the figure.

Prints wall-clock and CPU figures; PASS or FAIL compares the CPU figure (decisions per
second of this process's CPU time, so a busy shared machine does not decide the verdict)
against the target, 50,000 decisions a second by default. Exits with status 1 on FAIL.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as wall
from zoneinfo import ZoneInfo

from focus_app.core.gate import Gate
from focus_app.core.model import (
    Block,
    BlockKind,
    GateContext,
    GateSettings,
    Mode,
    Notification,
    Outcome,
    Recurrence,
    Rule,
    RuleAction,
    RuleMatch,
    Urgency,
)
from focus_app.core.schedule import Schedule
from focus_app.core.state import next_release_at, next_window_after, resolve_state

DELIVERED, HELD = Outcome.DELIVERED, Outcome.HELD
TARGET_PER_SECOND = 50_000
DEFAULT_DECISIONS = 200_000
TZ = ZoneInfo("Europe/Berlin")
START = datetime(2024, 3, 25, 7, 0, tzinfo=TZ)  # a Monday; DST begins that Sunday
N_RULES = 200
N_BLOCKS = 1_000
WORDS = (
    "meeting",
    "notes",
    "deploy",
    "build",
    "failed",
    "passed",
    "review",
    "lunch",
    "invoice",
    "sale",
    "outage",
    "coffee",
    "release",
    "ticket",
    "merge",
    "standup",
    "reminder",
    "weekly",
    "report",
    "urgent",
    "question",
    "call",
    "later",
    "design",
    "draft",
    "budget",
    "hiring",
    "offer",
    "update",
    "status",
    "security",
    "patch",
    "alert",
    "backup",
)


def make_rules(rng: random.Random) -> list[Rule]:
    """200 rules in a realistic mix; about four in five notifications match none."""
    actions = list(RuleAction)
    rules: list[Rule] = []

    def add(match: RuleMatch, action: RuleAction | None = None) -> None:
        rules.append(
            Rule(
                match,
                action or rng.choice(actions),
                name=f"rule {len(rules) + 1}",
                id=len(rules) + 1,
                enabled=rng.random() > 0.05,
            )
        )

    for i in range(90):  # exact senders
        add(RuleMatch(sender=f"person{i * 7}@corp.example"))
    for i in range(30):  # exact sources
        add(RuleMatch(source=f"app{i}"))
    for i in range(25):  # wildcard senders
        add(RuleMatch(sender=rng.choice([f"*@vendor{i}.example", f"bot-{i}-*", f"news?{i}@*"])))
    for i in range(10):  # wildcard sources
        add(RuleMatch(source=f"svc{i}-*"))
    for i in range(30):  # keywords (a few common words, mostly rare ones)
        if i % 10 == 0:
            words = (f"rare{i}", rng.choice(("unsubscribe", "newsletter", "giveaway")))
        else:
            words = (f"rare{i}", f"token{i}")
        add(RuleMatch(keywords=words))
    for i in range(10):  # combinations
        add(
            RuleMatch(
                source=f"app{i}",
                urgency=Urgency.CRITICAL,
                keywords=(rng.choice(WORDS),),
            )
        )
    for i in range(5):
        add(RuleMatch(sender=f"person{i}@corp.example", time_sensitive=True))
    assert len(rules) == N_RULES
    return rules


def make_settings() -> GateSettings:
    return GateSettings(
        breakthrough_people=(
            *(f"person{i}@corp.example" for i in range(0, 400, 13)),
            "*@family.example",
        ),
        breakthrough_apps=("pager", "alarm*"),
        priority_people=("boss@corp.example", "partner@family.example"),
        priority_apps=("smoke-detector",),
    )


def make_blocks(rng: random.Random) -> list[Block]:
    """1,000 blocks: recurring weekly blocks plus one-off blocks over the next months."""
    blocks: list[Block] = []
    kinds = [BlockKind.FOCUS] * 5 + [BlockKind.AVAILABLE] * 3 + [BlockKind.OFF] * 2
    for i in range(N_BLOCKS):
        kind = rng.choice(kinds)
        start_minute = rng.randrange(6 * 60, 21 * 60, 15)
        length = rng.choice([25, 30, 45, 50, 60, 90, 120])
        end_minute = (start_minute + length) % (24 * 60)
        start = wall(start_minute // 60, start_minute % 60)
        end = wall(end_minute // 60, end_minute % 60)
        title = f"{kind.value} {i}"
        if i % 3 == 0:
            days = frozenset(rng.sample(range(7), rng.randint(1, 5)))
            recurrence = Recurrence(days, interval_weeks=rng.choice([1, 1, 1, 2, 3]))
            blocks.append(Block(kind, start, end, title, recurrence=recurrence, id=i))
        else:
            on = date(2024, 3, 25) + timedelta(days=rng.randrange(0, 120))
            blocks.append(Block(kind, start, end, title, on_date=on, id=i))
    return blocks


def make_notifications(rng: random.Random, count: int) -> list[Notification]:
    """A pool of varied notifications: many senders, some matching rules or lists."""
    senders = (
        [f"person{i}@corp.example" for i in range(600)]
        + [f"someone{i}@elsewhere.example" for i in range(800)]
        + [f"x@vendor{i}.example" for i in range(30)]
        + [f"bot-{i}-ci" for i in range(30)]
        + ["boss@corp.example", "mum@family.example", ""]
    )
    sources = [f"app{i}" for i in range(0, 600, 5)] + [f"svc{i}-api" for i in range(15)]
    sources += ["mail", "chat", "calendar", "pager", "alarm-clock", ""]
    urgencies = [Urgency.LOW] * 3 + [Urgency.NORMAL] * 12 + [Urgency.CRITICAL]
    pool = []
    for _ in range(count):
        title = " ".join(rng.choices(WORDS, k=rng.randint(2, 6)))
        body = " ".join(rng.choices(WORDS, k=rng.randint(0, 25)))
        if rng.random() < 0.02:
            body += f" rare{rng.randrange(40)}"
        if rng.random() < 0.03:
            body += " Click here to unsubscribe from this newsletter."
        pool.append(
            Notification(
                title=title.capitalize(),
                received_at=START,
                body=body,
                sender=rng.choice(senders),
                source=rng.choice(sources),
                urgency=rng.choice(urgencies),
                time_sensitive=rng.random() < 0.05,
            )
        )
    return pool


def _context(schedule: Schedule, now: datetime) -> GateContext:
    state = resolve_state(schedule, None, now)
    return GateContext(
        state=state,
        release_at=next_release_at(schedule, None, now),
        next_window_at=next_window_after(schedule, None, now),
    )


@dataclass(frozen=True)
class Result:
    """What one run measured."""

    decisions: int
    wall_seconds: float
    cpu_seconds: float
    recomputes: int
    outcomes: dict[str, int]
    modes: dict[str, int]


def run(decisions: int, seed: int) -> Result:
    """Make the gate, schedule and notifications, then time ``decisions`` decisions.

    Setup is not timed; recomputing the context at transitions is.
    """
    rng = random.Random(seed)
    gate = Gate(make_rules(rng), make_settings())
    schedule = Schedule(make_blocks(rng), Mode.AVAILABLE, tz=TZ)
    pool = make_notifications(rng, 5_000)
    steps = [timedelta(seconds=rng.choice([0, 1, 2, 3, 5, 8])) for _ in range(997)]

    delivered = held = 0
    modes: Counter[str] = Counter()
    recomputes = 0
    now = START
    wall_began, cpu_began = time.perf_counter(), time.process_time()
    ctx = _context(schedule, now)
    until = ctx.state.until
    in_ctx = 0
    pool_size, steps_size = len(pool), len(steps)
    for i in range(decisions):
        now += steps[i % steps_size]
        if until is not None and now >= until:
            modes[ctx.state.mode.value] += in_ctx
            in_ctx = 0
            ctx = _context(schedule, now)
            until = ctx.state.until
            recomputes += 1
        in_ctx += 1
        outcome = gate.decide(pool[i % pool_size], ctx, now).outcome
        if outcome is DELIVERED:
            delivered += 1
        elif outcome is HELD:
            held += 1
    cpu = time.process_time() - cpu_began
    wall = time.perf_counter() - wall_began
    modes[ctx.state.mode.value] += in_ctx
    outcomes = {"delivered": delivered, "held": held, "muted": decisions - delivered - held}
    return Result(decisions, wall, cpu, recomputes, outcomes, dict(modes))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the figures; 0 on PASS, 1 on FAIL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--decisions", type=int, default=DEFAULT_DECISIONS)
    parser.add_argument("--target", type=float, default=TARGET_PER_SECOND)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    r = run(args.decisions, args.seed)
    cpu_rate = r.decisions / r.cpu_seconds
    wall_rate = r.decisions / r.wall_seconds
    verdict = "PASS" if cpu_rate >= args.target else "FAIL"
    print(
        f"gate: {N_RULES} rules, {N_BLOCKS}-block schedule, context recomputed "
        f"{r.recomputes} times at transitions"
    )
    print(f"  decisions per mode: {r.modes}")
    print(f"  outcomes:           {r.outcomes}")
    print(f"  wall: {r.decisions:,} decisions in {r.wall_seconds:.2f} s = {wall_rate:,.0f}/s")
    print(
        f"  cpu:  {r.decisions:,} decisions in {r.cpu_seconds:.2f} s = {cpu_rate:,.0f}/s "
        f"(target {args.target:,.0f}/s): {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
