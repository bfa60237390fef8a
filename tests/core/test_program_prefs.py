"""Program preferences: choices become rules that match exactly the program's name."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focus_app.core.model import Notification, RuleAction, RuleMatch
from focus_app.core.program_prefs import (
    Program,
    ProgramChoice,
    escape_pattern,
    program_rule,
    program_rules,
    week_start,
)
from focus_app.core.rules import CompiledRules, pattern_matches, rule_matches

BERLIN = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)  # a Thursday


def program(name: str, choice: ProgramChoice = ProgramChoice.FOLLOW, key: str = "") -> Program:
    return Program(
        key=key or name.casefold(),
        display_name=name,
        icon="",
        choice=choice,
        sender_rule="",
        first_seen=T0,
        last_seen=T0,
    )


def from_source(source: str) -> Notification:
    return Notification(title="hi", source=source, received_at=T0)


def test_each_choice_but_follow_becomes_one_named_rule_on_the_source() -> None:
    rules = program_rules(
        [
            program("Slack", ProgramChoice.ALLOW),
            program("Thunderbird", ProgramChoice.HOLD),
            program("Steam", ProgramChoice.MUTE),
            program("Signal", ProgramChoice.FOLLOW),
        ]
    )
    assert [(r.name, r.action, r.match) for r in rules] == [
        ("Slack: always let through", RuleAction.PRIORITY, RuleMatch(source="Slack")),
        ("Steam: mute", RuleAction.MUTE, RuleMatch(source="Steam")),
        ("Thunderbird: always hold", RuleAction.HOLD, RuleMatch(source="Thunderbird")),
    ]


def test_follow_the_schedule_makes_no_rule() -> None:
    assert program_rule(program("Signal")) is None


def test_program_rule_matches_its_program_case_insensitively_and_no_other() -> None:
    rule = program_rule(program("Slack", ProgramChoice.HOLD))
    assert rule is not None
    assert rule_matches(rule, from_source("slack"))
    assert not rule_matches(rule, from_source("Slack Beta"))
    assert not rule_matches(rule, from_source("Other"))


@pytest.mark.parametrize("name", ["Why?", "C*", "[beta] Chat", "a[b]?*c"])
def test_wildcard_characters_in_a_name_match_only_themselves(name: str) -> None:
    rule = program_rule(program(name, ProgramChoice.MUTE))
    assert rule is not None
    assert rule_matches(rule, from_source(name))
    for lookalike in ("Whym", "Cx", "b Chat", "abXc", name + "x"):
        assert not rule_matches(rule, from_source(lookalike))


@given(st.text(min_size=1, max_size=20))
def test_escaped_pattern_matches_exactly_the_text(text: str) -> None:
    pattern = escape_pattern(text)
    assert pattern_matches(pattern, text)
    assert not pattern_matches(pattern, text + "x")


def test_compiled_rules_find_the_program_rule_like_first_match() -> None:
    rules = program_rules(
        [program("Why?", ProgramChoice.HOLD), program("Slack", ProgramChoice.ALLOW)]
    )
    compiled = CompiledRules(rules)
    found = compiled.first_match(from_source("why?"))
    assert found is not None and found.name == "Why?: always hold"
    assert compiled.first_match(from_source("Whyy")) is None


def test_a_program_without_a_display_name_is_matched_and_named_by_its_key() -> None:
    nameless = Program("org.example.tool", "", "", ProgramChoice.HOLD, "", T0, T0)
    rule = program_rule(nameless)
    assert rule is not None
    assert rule.name == "org.example.tool: always hold"
    assert rule.match.source == "org.example.tool"


def test_program_refuses_an_unknown_sender_rule_with_the_allowed_values() -> None:
    with pytest.raises(ValueError, match=r"unknown sender rule 'title'.*'summary'"):
        Program("slack", "Slack", "", ProgramChoice.FOLLOW, "title", T0, T0)


def test_program_refuses_an_empty_key_and_a_negative_count() -> None:
    with pytest.raises(ValueError, match="needs a key"):
        Program("", "Slack", "", ProgramChoice.FOLLOW, "", T0, T0)
    with pytest.raises(ValueError, match="count_week"):
        Program("slack", "Slack", "", ProgramChoice.FOLLOW, "", T0, T0, count_week=-1)


def test_week_starts_on_monday_midnight_in_the_given_zone() -> None:
    start = week_start(T0, BERLIN)
    assert start == datetime(2026, 11, 23, 0, 0, tzinfo=BERLIN)
    # Sunday 23:30 in Berlin is still the same week, even if UTC is already Monday.
    sunday_late = datetime(2026, 11, 29, 23, 30, tzinfo=BERLIN)
    assert week_start(sunday_late, BERLIN) == start
    # Monday 00:00 itself starts a new week.
    assert week_start(start + timedelta(days=7), BERLIN) == start + timedelta(days=7)


def test_week_start_reads_the_clock_in_the_zone_not_in_the_instants_offset() -> None:
    # 23:30 UTC on Sunday is already Monday 00:30 in Berlin: a new week there.
    sunday_utc = datetime(2026, 11, 29, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert week_start(sunday_utc, BERLIN) == datetime(2026, 11, 30, 0, 0, tzinfo=BERLIN)
