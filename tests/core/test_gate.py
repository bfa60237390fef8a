"""The gate: rules, built-ins, budget, pacing and escalation in every mode."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from focus_app.core.budget import week_of
from focus_app.core.gate import Gate
from focus_app.core.model import (
    Block,
    BlockKind,
    Decision,
    GateContext,
    GateSettings,
    Mode,
    ModeSource,
    ModeState,
    Notification,
    Outcome,
    Override,
    Recurrence,
    Rule,
    RuleAction,
    RuleMatch,
    Urgency,
)

TZ = timezone(timedelta(hours=2))
NOW = datetime(2024, 5, 6, 10, 0, tzinfo=TZ)
RELEASE = datetime(2024, 5, 6, 11, 30, tzinfo=TZ)
NEXT_WINDOW = datetime(2024, 5, 6, 14, 0, tzinfo=TZ)
QUIET = GateSettings(repeat_escalation_minutes=0, pacing_per_minute=0)
"""Built-ins that stay out of the way unless a test turns them on."""


def block(kind: BlockKind, title: str) -> Block:
    return Block(
        kind=kind,
        start=NOW.time(),
        end=RELEASE.time(),
        title=title,
        recurrence=Recurrence(frozenset({0})),
    )


def ctx(
    mode: Mode,
    title: str = "Deep work",
    *,
    period_key: str = "p1",
    release_at: datetime | None = RELEASE,
    next_window_at: datetime | None = NEXT_WINDOW,
) -> GateContext:
    kind = {Mode.FOCUS: BlockKind.FOCUS, Mode.OFF: BlockKind.OFF}.get(mode, BlockKind.AVAILABLE)
    if mode is Mode.PAUSED:
        override = Override(Mode.PAUSED, NOW - timedelta(minutes=5), NEXT_WINDOW)
        state = ModeState(mode, ModeSource.OVERRIDE, until=NEXT_WINDOW, override=override)
    else:
        state = ModeState(
            mode,
            ModeSource.SCHEDULE,
            since=NOW - timedelta(hours=1),
            until=RELEASE,
            block=block(kind, title),
            period_key=period_key,
        )
    return GateContext(state=state, release_at=release_at, next_window_at=next_window_at)


FOCUS = ctx(Mode.FOCUS)
OFF = ctx(Mode.OFF, "Evening")
AVAILABLE = ctx(Mode.AVAILABLE, "Office hours")
PAUSED = ctx(Mode.PAUSED)


def note(
    sender: str = "Bob",
    *,
    title: str = "ping",
    source: str = "",
    urgency: Urgency = Urgency.NORMAL,
    body: str = "",
) -> Notification:
    return Notification(
        title=title, received_at=NOW, body=body, sender=sender, source=source, urgency=urgency
    )


def rule(action: RuleAction, name: str = "", rule_id: int | None = None, **match: object) -> Rule:
    return Rule(RuleMatch(**match), action, name=name, id=rule_id)  # type: ignore[arg-type]


def decide(gate: Gate, n: Notification, context: GateContext, now: datetime = NOW) -> Decision:
    return gate.decide(n, context, now)


# Focus


def test_focus_holds_unknown_sender_until_release_with_reason() -> None:
    d = decide(Gate([], QUIET), note("Bob"), FOCUS)
    assert d.outcome is Outcome.HELD
    assert d.release_at == RELEASE
    assert (
        d.reason == "held: focus block 'Deep work' until 11:30; no rule lets Bob through"
    )


def test_focus_delivers_breakthrough_person_and_counts_budget() -> None:
    gate = Gate([], GateSettings(breakthrough_people=("alice",), repeat_escalation_minutes=0))
    d = decide(gate, note("Alice"), FOCUS)
    assert d.outcome is Outcome.DELIVERED
    assert d.breakthrough
    assert (
        d.reason
        == "delivered: a short rule lets Alice through (breakthrough 1 of 3 in 'Deep work')"
    )
    assert gate.breakthroughs_used("p1") == 1


def test_breakthrough_app_passes_focus() -> None:
    gate = Gate([], GateSettings(breakthrough_apps=("pager*",), repeat_escalation_minutes=0))
    d = decide(gate, note("", source="PagerDuty"), FOCUS)
    assert d.outcome is Outcome.DELIVERED
    assert "a short rule lets PagerDuty through" in d.reason


def test_budget_spent_holds_even_allowed_items() -> None:
    gate = Gate(
        [rule(RuleAction.ALLOW, "Team", sender="alice")],
        GateSettings(breakthrough_budget=2, repeat_escalation_minutes=0),
    )
    outcomes = [decide(gate, note("alice"), FOCUS).outcome for _ in range(2)]
    assert outcomes == [Outcome.DELIVERED, Outcome.DELIVERED]
    d = decide(gate, note("alice"), FOCUS)
    assert d.outcome is Outcome.HELD
    assert d.release_at == RELEASE
    assert d.reason.startswith("held: breakthrough budget for 'Deep work' spent (2 of 2); ")
    assert "until 11:30" in d.reason


def test_budget_is_per_focus_period() -> None:
    gate = Gate(
        [],
        GateSettings(
            breakthrough_people=("alice",), breakthrough_budget=1, repeat_escalation_minutes=0
        ),
    )
    assert decide(gate, note("alice"), FOCUS).outcome is Outcome.DELIVERED
    assert decide(gate, note("alice"), FOCUS).outcome is Outcome.HELD
    assert (
        decide(gate, note("alice"), ctx(Mode.FOCUS, period_key="p2")).outcome is Outcome.DELIVERED
    )


def test_a_restored_count_is_the_budget_already_spent_in_that_period() -> None:
    settings = GateSettings(
        breakthrough_people=("alice",), breakthrough_budget=3, repeat_escalation_minutes=0
    )
    gate = Gate([], settings)
    gate.restore_breakthroughs("p1", 3)
    d = decide(gate, note("alice"), FOCUS)
    assert d.outcome is Outcome.HELD
    assert "spent (3 of 3)" in d.reason
    assert decide(gate, note("alice"), ctx(Mode.FOCUS, period_key="p2")).breakthrough


def test_restoring_never_lowers_what_the_gate_counted() -> None:
    gate = Gate([], GateSettings(breakthrough_people=("alice",), repeat_escalation_minutes=0))
    decide(gate, note("alice"), FOCUS)
    decide(gate, note("alice"), FOCUS)
    gate.restore_breakthroughs("p1", 1)
    assert gate.breakthroughs_used("p1") == 2


def test_negative_budget_is_unlimited() -> None:
    gate = Gate(
        [],
        GateSettings(
            breakthrough_people=("alice",), breakthrough_budget=-1, repeat_escalation_minutes=0
        ),
    )
    decisions = [decide(gate, note("alice"), FOCUS) for _ in range(20)]
    assert all(d.outcome is Outcome.DELIVERED for d in decisions)
    assert decisions[-1].reason.endswith("(breakthrough 20 in 'Deep work')")


def test_zero_budget_lets_only_priority_through_focus() -> None:
    gate = Gate(
        [],
        GateSettings(
            breakthrough_people=("alice",),
            priority_people=("boss",),
            breakthrough_budget=0,
            repeat_escalation_minutes=0,
        ),
    )
    assert decide(gate, note("alice"), FOCUS).outcome is Outcome.HELD
    assert decide(gate, note("boss"), FOCUS).outcome is Outcome.DELIVERED


def test_priority_ignores_and_does_not_spend_budget() -> None:
    gate = Gate(
        [rule(RuleAction.PRIORITY, "Boss", sender="boss")],
        GateSettings(breakthrough_budget=1, repeat_escalation_minutes=0),
    )
    for _ in range(5):
        d = decide(gate, note("boss"), FOCUS)
        assert d.outcome is Outcome.DELIVERED
        assert d.breakthrough
    assert gate.breakthroughs_used("p1") == 0
    assert decide(gate, note("boss"), FOCUS).reason == (
        "delivered: rule 'Boss' gives it priority (priority passes focus)"
    )


def test_critical_urgency_passes_focus_when_enabled() -> None:
    d = decide(Gate([], QUIET), note(urgency=Urgency.CRITICAL), FOCUS)
    assert d.outcome is Outcome.DELIVERED
    assert d.reason.startswith("delivered: critical urgency passes focus")


def test_critical_urgency_held_when_setting_off() -> None:
    gate = Gate([], GateSettings(critical_passes_focus=False, repeat_escalation_minutes=0))
    assert decide(gate, note(urgency=Urgency.CRITICAL), FOCUS).outcome is Outcome.HELD


def test_focus_override_named_by_reason_and_default_by_mode() -> None:
    override = Override(Mode.FOCUS, NOW, RELEASE, reason="Writing")
    state = ModeState(Mode.FOCUS, ModeSource.OVERRIDE, until=RELEASE, override=override)
    d = decide(Gate([], QUIET), note(), GateContext(state, release_at=RELEASE))
    assert d.reason.startswith("held: focus session 'Writing' until 11:30;")


def test_release_a_day_away_names_the_weekday() -> None:
    later = RELEASE + timedelta(days=2)
    d = decide(Gate([], QUIET), note(), ctx(Mode.FOCUS, release_at=later))
    assert "until Wed 11:30" in d.reason


def test_release_time_is_shown_in_its_own_zone() -> None:
    d = decide(Gate([], QUIET), note(), ctx(Mode.FOCUS, release_at=RELEASE.astimezone(UTC)))
    assert "until 09:30" in d.reason


def test_reason_stays_on_one_line_with_odd_names() -> None:
    d = decide(Gate([], QUIET), note("Bob\nEvil\tName"), FOCUS)
    assert "\n" not in d.reason
    assert "no rule lets Bob Evil Name through" in d.reason


def test_unknown_release_is_worded() -> None:
    d = decide(Gate([], QUIET), note(), ctx(Mode.FOCUS, release_at=None))
    assert d.outcome is Outcome.HELD
    assert d.release_at is None
    assert "until the next window" in d.reason


# Repeat escalation


def chat(sender: str) -> Notification:
    """A chat message: repeat escalation is on for chat by default."""
    return note(sender, source="slack")


def test_repeat_sender_within_window_passes_focus() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3))
    first = decide(gate, chat("Bob"), FOCUS)
    second = decide(gate, chat("bob"), FOCUS, NOW + timedelta(minutes=2))
    assert first.outcome is Outcome.HELD
    assert second.outcome is Outcome.DELIVERED
    assert second.reason.startswith(
        "delivered: bob again within 3 minutes (repeat escalation for chat)"
    )


def test_repeat_sender_after_window_is_held() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3))
    decide(gate, chat("Bob"), FOCUS)
    assert decide(gate, chat("Bob"), FOCUS, NOW + timedelta(minutes=4)).outcome is Outcome.HELD


def test_repeat_escalation_off_when_zero() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=0))
    decide(gate, chat("Bob"), FOCUS)
    assert decide(gate, chat("Bob"), FOCUS, NOW + timedelta(seconds=5)).outcome is Outcome.HELD


def test_repeat_escalation_ignores_empty_sender() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3))
    decide(gate, note("", source="CI"), FOCUS)
    assert decide(gate, note("", source="CI"), FOCUS).outcome is Outcome.HELD


def test_repeat_escalation_does_not_pass_off_time() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3))
    decide(gate, chat("Bob"), OFF)
    assert decide(gate, chat("Bob"), OFF, NOW + timedelta(minutes=1)).outcome is Outcome.HELD


def test_earlier_sighting_in_another_mode_counts_for_repeat() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3, pacing_per_minute=0))
    decide(gate, chat("Bob"), AVAILABLE)
    assert decide(gate, chat("Bob"), FOCUS, NOW + timedelta(minutes=1)).outcome is Outcome.DELIVERED


def test_a_second_mail_from_one_sender_within_the_window_stays_held_by_default() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3))
    for source in ("thunderbird", "Geary"):
        decide(gate, note("Alice", source=source), FOCUS)
        again = decide(gate, note("Alice", source=source), FOCUS, NOW + timedelta(minutes=1))
        assert again.outcome is Outcome.HELD, source


def test_a_second_ci_or_newsletter_item_within_the_window_stays_held_by_default() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3))
    for source in ("jenkins", "newsletter", ""):
        decide(gate, note("Build bot", source=source), FOCUS)
        again = decide(gate, note("Build bot", source=source), FOCUS, NOW + timedelta(seconds=30))
        assert again.outcome is Outcome.HELD, source


def test_the_category_hint_makes_an_unknown_program_chat_for_repeat_escalation() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3))
    im = Notification(title="hi", sender="Bob", source="Mystery", category="im.received",
                      received_at=NOW)
    decide(gate, im, FOCUS)
    assert decide(gate, im, FOCUS, NOW + timedelta(minutes=1)).outcome is Outcome.DELIVERED


def test_repeat_escalation_for_mail_when_the_setting_names_mail() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3,
                                 repeat_escalation_kinds=("chat", "mail")))
    decide(gate, note("Alice", source="thunderbird"), FOCUS)
    again = decide(gate, note("Alice", source="thunderbird"), FOCUS, NOW + timedelta(minutes=1))
    assert again.outcome is Outcome.DELIVERED
    assert "(repeat escalation for mail)" in again.reason


# Off-time


def test_off_time_holds_allowed_items_with_reason() -> None:
    gate = Gate([], GateSettings(breakthrough_people=("bob",), repeat_escalation_minutes=0))
    release = datetime(2024, 5, 7, 8, 0, tzinfo=TZ)
    d = decide(gate, note("Bob"), ctx(Mode.OFF, "Evening", release_at=release))
    assert d.outcome is Outcome.HELD
    assert d.release_at == release
    assert d.reason.startswith(
        "held: off-time 'Evening' until 08:00; only priority passes off-time"
    )


def test_off_time_holds_critical_urgency() -> None:
    assert decide(Gate([], QUIET), note(urgency=Urgency.CRITICAL), OFF).outcome is Outcome.HELD


def test_priority_person_passes_off_time_as_breakthrough() -> None:
    gate = Gate([], GateSettings(priority_people=("alice",)))
    d = decide(gate, note("Alice"), OFF)
    assert d.outcome is Outcome.DELIVERED
    assert d.breakthrough
    assert d.reason == "delivered: a short rule gives Alice priority (priority passes off-time)"


def test_priority_app_passes_off_time() -> None:
    gate = Gate([], GateSettings(priority_apps=("alarm",)))
    assert decide(gate, note("", source="Alarm"), OFF).outcome is Outcome.DELIVERED


# Rules


def test_mute_rule_mutes_in_every_mode() -> None:
    gate = Gate(
        [rule(RuleAction.MUTE, "Newsletters", rule_id=7, sender="*@news.com")],
        GateSettings(priority_people=("*",)),
    )
    for context in (FOCUS, OFF, AVAILABLE, PAUSED):
        d = decide(gate, note("digest@news.com"), context)
        assert d.outcome is Outcome.MUTED
        assert d.reason == "muted by rule 'Newsletters'"
        assert d.rule_id == 7


def test_rules_beat_built_ins() -> None:
    gate = Gate(
        [rule(RuleAction.HOLD, "Later", sender="alice")], GateSettings(priority_people=("alice",))
    )
    assert decide(gate, note("alice"), FOCUS).outcome is Outcome.HELD


def test_first_matching_rule_wins() -> None:
    gate = Gate(
        [
            rule(RuleAction.ALLOW, "a", rule_id=1, keywords=("deploy",)),
            rule(RuleAction.MUTE, "b", rule_id=2, sender="ci"),
        ],
        QUIET,
    )
    d = decide(gate, note("ci", title="deploy done"), FOCUS)
    assert d.outcome is Outcome.DELIVERED
    assert d.rule_id == 1
    assert decide(gate, note("ci"), FOCUS).rule_id == 2


def test_unnamed_rule_is_named_by_its_match() -> None:
    gate = Gate([rule(RuleAction.MUTE, sender="spam*")], QUIET)
    assert decide(gate, note("spammer"), FOCUS).reason == "muted by rule 'sender matches 'spam*''"


def test_hold_rule_in_focus_releases_with_focus() -> None:
    gate = Gate([rule(RuleAction.HOLD, "Later", source="mail")], QUIET)
    d = decide(gate, note(source="mail"), FOCUS)
    assert (d.outcome, d.release_at) == (Outcome.HELD, RELEASE)
    assert d.reason == "held by rule 'Later' until 11:30"


def test_hold_rule_while_available_waits_for_next_window() -> None:
    gate = Gate([rule(RuleAction.HOLD, "Later", source="mail")], QUIET)
    d = decide(gate, note(source="mail"), AVAILABLE)
    assert (d.outcome, d.release_at) == (Outcome.HELD, NEXT_WINDOW)
    assert d.reason == "held by rule 'Later' until 14:00"


def test_hold_rule_does_not_hold_while_paused() -> None:
    gate = Gate([rule(RuleAction.HOLD, "Later", source="mail")], QUIET)
    assert decide(gate, note(source="mail"), PAUSED).outcome is Outcome.DELIVERED


def test_allow_rule_passes_focus_but_not_off_time() -> None:
    gate = Gate([rule(RuleAction.ALLOW, "Deploys", keywords=("deploy",))], QUIET)
    d = decide(gate, note(title="Deploy failed"), FOCUS)
    assert d.outcome is Outcome.DELIVERED
    assert (
        d.reason == "delivered: rule 'Deploys' lets it through (breakthrough 1 of 3 in 'Deep work')"
    )
    assert decide(gate, note(title="Deploy failed"), OFF).outcome is Outcome.HELD


# Paused and available


def test_paused_delivers_everything_but_muted() -> None:
    gate = Gate([rule(RuleAction.MUTE, sender="spam")], GateSettings(pacing_per_minute=1))
    decisions = [decide(gate, note(f"p{i}"), PAUSED) for i in range(10)]
    assert all(d.outcome is Outcome.DELIVERED and not d.breakthrough for d in decisions)
    assert decisions[0].reason == "delivered: boundaries paused until 14:00"
    assert decide(gate, note("spam"), PAUSED).outcome is Outcome.MUTED


def test_available_delivers() -> None:
    d = decide(Gate([], QUIET), note(), AVAILABLE)
    assert d.outcome is Outcome.DELIVERED
    assert not d.breakthrough
    assert d.reason == "delivered: availability window 'Office hours'"


def test_pacing_holds_beyond_limit_until_oldest_leaves_the_minute() -> None:
    gate = Gate([], GateSettings(pacing_per_minute=4, repeat_escalation_minutes=0))
    times = [NOW + timedelta(seconds=s) for s in (0, 10, 20, 30)]
    for i, t in enumerate(times):
        assert decide(gate, note(f"s{i}"), AVAILABLE, t).outcome is Outcome.DELIVERED
    d = decide(gate, note("late"), AVAILABLE, NOW + timedelta(seconds=40))
    assert d.outcome is Outcome.HELD
    assert d.paced
    assert d.release_at == NOW + timedelta(minutes=1)
    assert d.reason == "held for a summary: 4 pop-ups in the last minute (pacing)"
    # Once the first pop-up has left the minute, a slot is free again.
    assert (
        decide(gate, note("x"), AVAILABLE, NOW + timedelta(seconds=60)).outcome is Outcome.DELIVERED
    )
    paced = decide(gate, note("y"), AVAILABLE, NOW + timedelta(seconds=61))
    assert paced.release_at == NOW + timedelta(seconds=70)


def test_pacing_off_when_zero() -> None:
    gate = Gate([], GateSettings(pacing_per_minute=0, repeat_escalation_minutes=0))
    assert all(
        decide(gate, note(f"s{i}"), AVAILABLE).outcome is Outcome.DELIVERED for i in range(50)
    )


def test_priority_is_never_paced() -> None:
    gate = Gate([], GateSettings(pacing_per_minute=1, priority_people=("boss",)))
    decide(gate, note("a"), AVAILABLE)
    assert decide(gate, note("b"), AVAILABLE).paced
    assert decide(gate, note("boss"), AVAILABLE).outcome is Outcome.DELIVERED


# Configuration changes and memory


def test_with_config_keeps_counters() -> None:
    gate = Gate(
        [],
        GateSettings(
            breakthrough_people=("alice",), breakthrough_budget=1, repeat_escalation_minutes=0
        ),
    )
    decide(gate, note("alice"), FOCUS)
    rebuilt = gate.with_config([rule(RuleAction.ALLOW, sender="bob")], gate.settings)
    assert rebuilt.breakthroughs_used("p1") == 1
    assert decide(rebuilt, note("bob"), FOCUS).outcome is Outcome.HELD
    assert len(rebuilt.rules) == 1


def test_with_config_leaves_old_gate_independent() -> None:
    gate = Gate([], GateSettings(breakthrough_people=("alice",)))
    rebuilt = gate.with_config([], gate.settings)
    decide(rebuilt, note("alice"), FOCUS)
    assert gate.breakthroughs_used("p1") == 0


def test_memory_stays_bounded_under_a_flood_of_senders_and_periods() -> None:
    gate = Gate([], GateSettings(breakthrough_people=("*",), repeat_escalation_minutes=3))
    for i in range(20_000):
        t = NOW + timedelta(seconds=i)
        decide(gate, note(f"sender{i}"), ctx(Mode.FOCUS, period_key=f"p{i}"), t)
    counters = gate._counters
    assert len(counters.last_seen) <= 4096
    assert len(counters.breakthroughs) <= 16
    assert len(counters.popups) <= 256


def test_recent_sender_still_escalates_after_a_flood_of_stale_senders() -> None:
    gate = Gate([], GateSettings(repeat_escalation_minutes=3, pacing_per_minute=0))
    for i in range(4_000):
        decide(gate, note(f"old{i}"), FOCUS, NOW - timedelta(hours=1))
    decide(gate, note("Bob", source="slack"), FOCUS)
    for i in range(3_000):
        decide(gate, note(f"new{i}"), FOCUS, NOW + timedelta(seconds=1))
    later = NOW + timedelta(minutes=2)
    assert decide(gate, note("Bob", source="slack"), FOCUS, later).outcome is Outcome.DELIVERED
    assert len(gate._counters.last_seen) <= 4096


def test_missing_period_key_still_budgets_per_block() -> None:
    gate = Gate(
        [],
        GateSettings(
            breakthrough_people=("alice",), breakthrough_budget=1, repeat_escalation_minutes=0
        ),
    )
    context = ctx(Mode.FOCUS, period_key="")
    assert decide(gate, note("alice"), context).outcome is Outcome.DELIVERED
    assert decide(gate, note("alice"), context).outcome is Outcome.HELD


# Properties

_modes = st.sampled_from([FOCUS, OFF, AVAILABLE, PAUSED])
_senders = st.sampled_from(["alice", "bob", "boss", "spam", "", "ci"])


@st.composite
def _notes(draw: st.DrawFn) -> Notification:
    return note(
        draw(_senders),
        title=draw(st.sampled_from(["deploy", "lunch", "sale", ""])),
        source=draw(st.sampled_from(["mail", "ci", "chat", ""])),
        urgency=draw(st.sampled_from(list(Urgency))),
    )


_settings = st.builds(
    GateSettings,
    breakthrough_people=st.just(("alice",)),
    priority_people=st.just(("boss",)),
    critical_passes_focus=st.booleans(),
    repeat_escalation_minutes=st.integers(0, 5),
    breakthrough_budget=st.integers(-1, 3),
    pacing_per_minute=st.integers(0, 3),
)


@settings(max_examples=75)
@given(st.lists(st.tuples(_notes(), _modes, st.integers(0, 600)), max_size=30), _settings)
def test_muted_never_delivered_and_priority_always_delivered(
    stream: list[tuple[Notification, GateContext, int]], gate_settings: GateSettings
) -> None:
    rules = [
        rule(RuleAction.MUTE, "spam", sender="spam"),
        rule(RuleAction.PRIORITY, "deploys", keywords=("deploy",)),
    ]
    gate = Gate(rules, gate_settings)
    t = NOW
    for n, context, seconds in stream:
        t += timedelta(seconds=seconds)
        d = gate.decide(n, context, t)
        if n.sender == "spam":
            assert d.outcome is Outcome.MUTED
        elif n.sender == "boss" or "deploy" in n.title:
            assert d.outcome is Outcome.DELIVERED
        if d.outcome is Outcome.HELD and context.state.mode is not Mode.AVAILABLE:
            assert d.release_at == context.release_at
        if d.breakthrough:
            assert context.state.mode in (Mode.FOCUS, Mode.OFF)
        assert d.reason


@pytest.mark.parametrize("mode", [Mode.FOCUS, Mode.OFF])
def test_held_outside_available_never_marked_paced(mode: Mode) -> None:
    gate = Gate([], GateSettings(pacing_per_minute=1))
    for i in range(5):
        assert not decide(gate, note(f"s{i}"), ctx(mode)).paced


# The weekly breakthrough allowance (issue 11, item 5)

WEEK = datetime(2024, 5, 6, 0, 0, tzinfo=TZ)
NEXT_WEEK = WEEK + timedelta(days=7)
WEEKLY = GateSettings(
    breakthrough_people=("alice",),
    priority_people=("boss",),
    breakthrough_budget=-1,
    repeat_escalation_minutes=0,
    weekly_breakthroughs=3,
)


def in_week(context: GateContext, week: datetime | None = WEEK) -> GateContext:
    return replace(context, week_start=week)


def outcomes(gate: Gate, senders: list[str], context: GateContext) -> list[Outcome]:
    return [decide(gate, note(s), context).outcome for s in senders]


def test_once_the_week_s_breakthroughs_are_used_the_next_waits_with_its_own_reason() -> None:
    gate = Gate([], WEEKLY)
    assert outcomes(gate, ["Alice"] * 3, in_week(FOCUS)) == [Outcome.DELIVERED] * 3
    d = decide(gate, note("Alice"), in_week(FOCUS))
    assert d.outcome is Outcome.HELD
    assert not d.breakthrough
    assert d.release_at == RELEASE
    assert d.reason == (
        "held: this week's breakthroughs are used (3 of 3); "
        "a short rule lets Alice through but it waits until 11:30"
    )
    assert gate.week_breakthroughs(WEEK) == 3


def test_critical_urgency_and_allow_rules_wait_too_once_the_week_is_used() -> None:
    allow_ops = rule(RuleAction.ALLOW, "ops", rule_id=7, sender="ops")
    gate = Gate([allow_ops], replace(WEEKLY, weekly_breakthroughs=1))
    assert decide(gate, note("Alice"), in_week(FOCUS)).outcome is Outcome.DELIVERED
    critical = decide(gate, note("Bob", urgency=Urgency.CRITICAL), in_week(FOCUS))
    assert critical.outcome is Outcome.HELD
    assert "critical urgency passes focus but it waits until 11:30" in critical.reason
    allowed = decide(gate, note("ops"), in_week(FOCUS))
    assert allowed.outcome is Outcome.HELD
    assert allowed.reason == (
        "held: this week's breakthroughs are used (1 of 1); "
        "rule 'ops' lets it through but it waits until 11:30"
    )
    assert allowed.rule_id == 7


def test_priority_passes_a_used_up_week_and_counts_like_the_meter() -> None:
    gate = Gate([rule(RuleAction.PRIORITY, "deploys", keywords=("deploy",))], WEEKLY)
    # Priority breakthroughs count (in focus and off-time), so they can use up the week...
    assert decide(gate, note("Boss"), in_week(FOCUS)).outcome is Outcome.DELIVERED
    assert decide(gate, note("Boss"), in_week(OFF)).outcome is Outcome.DELIVERED
    assert decide(gate, note("Alice"), in_week(FOCUS)).outcome is Outcome.DELIVERED
    assert decide(gate, note("Alice"), in_week(FOCUS)).outcome is Outcome.HELD
    # ...and still pass it, going past the allowance.
    deploy = decide(gate, note("ci", title="deploy failed"), in_week(FOCUS))
    assert deploy.outcome is Outcome.DELIVERED and deploy.breakthrough
    assert gate.week_breakthroughs(WEEK) == 4
    assert "(4 of 3)" in decide(gate, note("Alice"), in_week(FOCUS)).reason


def test_held_paused_and_available_notifications_do_not_count_for_the_week() -> None:
    gate = Gate([], replace(WEEKLY, pacing_per_minute=0))
    outcomes(gate, ["Bob", "Bob"], in_week(FOCUS))  # held: no rule lets Bob through
    outcomes(gate, ["Alice", "Boss"], in_week(AVAILABLE))
    outcomes(gate, ["Alice", "Boss"], in_week(PAUSED))
    outcomes(gate, ["Alice"], in_week(OFF))  # held: breakthroughs pass focus only
    assert gate.week_breakthroughs(WEEK) == 0


def test_the_focus_block_budget_is_asked_first_and_its_holds_do_not_count() -> None:
    gate = Gate([], replace(WEEKLY, breakthrough_budget=1))
    assert outcomes(gate, ["Alice", "Alice"], in_week(FOCUS)) == [Outcome.DELIVERED, Outcome.HELD]
    assert "breakthrough budget for 'Deep work' spent (1 of 1)" in (
        decide(gate, note("Alice"), in_week(FOCUS)).reason
    )
    assert gate.week_breakthroughs(WEEK) == 1
    other_block = in_week(ctx(Mode.FOCUS, "Writing", period_key="p2"))
    assert outcomes(gate, ["Alice", "Alice"], other_block) == [Outcome.DELIVERED, Outcome.HELD]
    assert gate.week_breakthroughs(WEEK) == 2


def test_a_new_week_starts_the_allowance_from_zero() -> None:
    gate = Gate([], WEEKLY)
    outcomes(gate, ["Alice"] * 3, in_week(FOCUS))
    assert decide(gate, note("Alice"), in_week(FOCUS)).outcome is Outcome.HELD
    later = NOW + timedelta(days=7)
    d = gate.decide(note("Alice"), in_week(FOCUS, NEXT_WEEK), later)
    assert d.outcome is Outcome.DELIVERED
    assert (gate.week_breakthroughs(NEXT_WEEK), gate.week_breakthroughs(WEEK)) == (1, 0)


def test_zero_means_no_weekly_limit_and_no_week_in_the_context_means_none_applies() -> None:
    unlimited = Gate([], replace(WEEKLY, weekly_breakthroughs=0))
    assert outcomes(unlimited, ["Alice"] * 40, in_week(FOCUS)) == [Outcome.DELIVERED] * 40
    assert unlimited.week_breakthroughs(WEEK) == 40
    no_week = Gate([], WEEKLY)
    assert outcomes(no_week, ["Alice"] * 40, FOCUS) == [Outcome.DELIVERED] * 40


def test_restore_week_seeds_the_count_never_lowers_it_and_survives_new_rules() -> None:
    gate = Gate([], WEEKLY)
    gate.restore_week(WEEK, 2)
    assert outcomes(gate, ["Alice", "Alice"], in_week(FOCUS)) == [Outcome.DELIVERED, Outcome.HELD]
    gate.restore_week(WEEK, 1)
    assert gate.week_breakthroughs(WEEK) == 3
    rebuilt = gate.with_config([], replace(WEEKLY, weekly_breakthroughs=4))
    two = outcomes(rebuilt, ["Alice", "Alice"], in_week(FOCUS))
    assert two == [Outcome.DELIVERED, Outcome.HELD]
    assert gate.week_breakthroughs(WEEK) == 3  # the old gate's counters were copied
    rebuilt.restore_week(NEXT_WEEK, 0)  # the engine seeds a new week: it replaces the old
    assert (rebuilt.week_breakthroughs(NEXT_WEEK), rebuilt.week_breakthroughs(WEEK)) == (0, 0)


BERLIN = ZoneInfo("Europe/Berlin")
# The Mondays after Berlin's 2026 changes: CEST from Sunday 29 March, CET from Sunday 25 Oct.
DST_MONDAYS = (
    datetime(2026, 3, 30, tzinfo=BERLIN),
    datetime(2026, 10, 26, tzinfo=BERLIN),
)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(DST_MONDAYS),
    st.lists(st.integers(-9 * 24 * 60, 2 * 24 * 60), min_size=1, max_size=40),
    st.integers(1, 4),
)
def test_across_a_daylight_saving_week_the_allowance_holds_per_local_week(
    monday: datetime, minutes: list[int], limit: int
) -> None:
    """Each local week (Monday 00:00 Berlin, a 167 or 169 hour week) lets ``limit`` through.

    The instants straddle the Monday after a change, so a week computed from a fixed
    UTC offset would split them an hour off.
    """
    gate = Gate([], replace(WEEKLY, weekly_breakthroughs=limit))
    delivered: dict[datetime, int] = {}
    for offset in sorted(minutes):
        t = (monday + timedelta(minutes=offset)).astimezone(UTC)
        week = week_of(t, BERLIN)
        local = week.start.astimezone(BERLIN)
        assert (local.weekday(), local.hour, local.minute) == (0, 0, 0)
        assert week.start <= t < week.end
        d = gate.decide(note("Alice"), in_week(FOCUS, week.start), t)
        expected = delivered.get(week.start, 0) < limit
        assert (d.outcome is Outcome.DELIVERED) == expected, (t, week)
        if expected:
            delivered[week.start] = delivered.get(week.start, 0) + 1
    for start, count in delivered.items():
        assert gate.week_breakthroughs(start) in (0, count)  # only the latest week is kept
