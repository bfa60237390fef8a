"""Suggested rule changes: each from its evidence, with a stable key and an apply."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from focus_app.core.model import (
    Block,
    BlockKind,
    GateSettings,
    Mode,
    Outcome,
    Recurrence,
    RuleAction,
    RuleMatch,
)
from focus_app.core.program_prefs import ProgramChoice
from focus_app.core.review import OverrideSpan, ReviewItem, WeekReview, build_review
from focus_app.core.schedule import Schedule
from focus_app.core.suggestions import ApplyKind, suggest

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = date(2026, 11, 23)
GATE = GateSettings(breakthrough_people=("Bob", "Amy"), repeat_escalation_minutes=3)


def at(day: date, h: int, m: int = 0) -> datetime:
    return datetime.combine(day, time(h, m), tzinfo=BERLIN)


def bt(
    when: datetime, who: str, feedback: str = "", *, program: str = "Chat", key: str = "",
    reason: str = "", outcome: Outcome = Outcome.DELIVERED, status: str = "",
) -> ReviewItem:
    breakthrough = outcome is Outcome.DELIVERED
    return ReviewItem(
        when.timestamp(), when.timestamp(), who, program, key, outcome, breakthrough,
        reason or f"delivered: {who} is on the breakthrough list (breakthrough 1 of 3 in 'x')",
        None, status or outcome.value, None, feedback,
    )


def review(items: list[ReviewItem], monday: date = WEEK, *blocks: Block,
           overrides: tuple[OverrideSpan, ...] = ()) -> WeekReview:
    return build_review(monday, BERLIN, Schedule(list(blocks), tz=BERLIN), overrides, items)


def bob_week() -> WeekReview:
    tue = WEEK + timedelta(days=1)
    items = [bt(at(tue, 9, i), "Bob", "could_wait") for i in range(7)]
    items += [bt(at(tue, 10, i), "Bob") for i in range(2)]
    return review(items)


def test_a_listed_sender_whose_breakthroughs_could_wait_is_suggested_off_the_list() -> None:
    [s] = suggest(bob_week(), GATE)
    assert s.key == "hold-sender:bob"
    assert s.text == "Bob broke through 9 times, 7 marked could wait: hold Bob during focus?"
    assert s.apply.kind is ApplyKind.UPDATE_SETTING
    assert (s.apply.setting, s.apply.value) == ("breakthrough_people", ("Amy",))


def test_an_unlisted_sender_gets_a_hold_rule_instead() -> None:
    [s] = suggest(bob_week(), GateSettings())
    assert s.apply.kind is ApplyKind.ADD_RULE and s.apply.rule is not None
    assert s.apply.rule.match == RuleMatch(sender="Bob")
    assert s.apply.rule.action is RuleAction.HOLD


def test_a_sender_whose_breakthroughs_were_wanted_gets_no_suggestion() -> None:
    tue = WEEK + timedelta(days=1)
    items = [bt(at(tue, 9, i), "Bob", "should_have_reached") for i in range(9)]
    assert suggest(review(items), GATE) == []


def test_a_dismissed_suggestion_does_not_come_back() -> None:
    assert suggest(bob_week(), GATE, dismissed={"hold-sender:bob"}) == []


def test_a_program_held_often_and_never_wanted_is_suggested_muted_by_its_choice() -> None:
    wed = WEEK + timedelta(days=2)
    items = [
        bt(at(wed, 9, i), "ci-bot", program="CI", key="ci", outcome=Outcome.HELD,
           status="dismissed" if i % 2 else "released")
        for i in range(40)
    ]
    [s] = suggest(review(items), GATE)
    assert s.text == (
        "CI: 40 held, none marked should have reached you, 20 dismissed unread: mute CI?"
    )
    assert s.key == "mute:ci"
    assert (s.apply.kind, s.apply.program, s.apply.choice) == (
        ApplyKind.SET_PROGRAM_CHOICE, "ci", ProgramChoice.MUTE,
    )


def test_a_source_without_program_is_muted_by_a_rule_and_one_wanted_item_stops_it() -> None:
    wed = WEEK + timedelta(days=2)
    items = [bt(at(wed, 9, i % 60), "x", program="cron", outcome=Outcome.HELD) for i in range(25)]
    [s] = suggest(review(items), GATE)
    assert s.apply.rule is not None and s.apply.rule.match == RuleMatch(source="cron")
    assert s.apply.rule.action is RuleAction.MUTE
    wanted = [*items[:-1], bt(at(wed, 11), "x", "should_have_reached", program="cron",
                              outcome=Outcome.HELD)]
    assert suggest(review(wanted), GATE) == []


def test_repeat_escalation_letting_mail_through_is_suggested_off() -> None:
    thu = WEEK + timedelta(days=3)
    reason = "delivered: boss again within 3 min (repeat escalation) (breakthrough 1 of 3 in 'x')"
    items = [bt(at(thu, 9, i), f"p{i}", program="Mail", reason=reason) for i in range(6)]
    [s] = suggest(review(items), GATE)
    assert s.text == "Repeat escalation let Mail through 6 times: turn repeat escalation off?"
    assert (s.apply.setting, s.apply.value) == ("repeat_escalation_minutes", 0)
    assert suggest(review(items), GateSettings(repeat_escalation_minutes=0)) == []


def test_a_block_cut_short_on_the_same_day_four_weeks_running_is_suggested_moved() -> None:
    block = Block(BlockKind.FOCUS, time(9), time(12), "Deep work",
                  recurrence=Recurrence(frozenset({1})), id=7)
    weeks = []
    for back in range(4):
        monday = WEEK - timedelta(weeks=back)
        tue = monday + timedelta(days=1)
        cut = OverrideSpan(Mode.AVAILABLE, at(tue, 10), at(tue, 12))
        weeks.append(review([], monday, block, overrides=(cut,)))
    [s] = suggest(weeks[0], GATE, earlier_weeks=weeks[1:])
    assert s.text == (
        "Tuesday's block 'Deep work' was cut short 4 of 4 weeks by 'available now': move it?"
    )
    assert s.key == "move-block:7:1"
    assert s.apply.kind is ApplyKind.SHOW_BLOCK and s.apply.block_id == 7
    # Two of four weeks is a coincidence, not a pattern.
    assert suggest(weeks[0], GATE, earlier_weeks=[weeks[1], review([], WEEK - timedelta(weeks=2),
                                                                    block)]) == []


def test_an_empty_week_suggests_nothing() -> None:
    assert suggest(review([]), GATE) == []
