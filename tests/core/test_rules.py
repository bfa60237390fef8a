"""Rules: matching, first match in order, compiled lookups and descriptions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from focus_app.core.model import Notification, Rule, RuleAction, RuleMatch, Urgency
from focus_app.core.rules import (
    CompiledRules,
    describe_rule,
    first_match,
    pattern_matches,
    rule_matches,
)

T0 = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)


def note(
    title: str = "Hello",
    *,
    body: str = "",
    sender: str = "",
    source: str = "",
    urgency: Urgency = Urgency.NORMAL,
    time_sensitive: bool = False,
) -> Notification:
    return Notification(
        title=title,
        received_at=T0,
        body=body,
        sender=sender,
        source=source,
        urgency=urgency,
        time_sensitive=time_sensitive,
    )


def rule(action: RuleAction = RuleAction.ALLOW, name: str = "", **match: object) -> Rule:
    return Rule(match=RuleMatch(**match), action=action, name=name)  # type: ignore[arg-type]


def test_sender_matches_case_insensitively() -> None:
    assert rule_matches(rule(sender="alice"), note(sender="ALICE"))
    assert not rule_matches(rule(sender="alice"), note(sender="alicia"))


def test_sender_wildcard_matches_case_folded() -> None:
    r = rule(sender="*@Example.com")
    assert rule_matches(r, note(sender="bob@EXAMPLE.COM"))
    assert not rule_matches(r, note(sender="bob@example.org"))


def test_question_mark_and_bracket_wildcards_work() -> None:
    assert rule_matches(rule(source="ci-?"), note(source="CI-7"))
    assert rule_matches(rule(source="[ab]ot"), note(source="Bot"))
    assert not rule_matches(rule(source="[ab]ot"), note(source="cot"))


def test_wildcard_must_match_whole_value() -> None:
    assert not rule_matches(rule(sender="ali*"), note(sender="xalice"))


def test_keywords_match_any_in_title_or_body() -> None:
    r = rule(keywords=("deploy", "Outage"))
    assert rule_matches(r, note(title="DEPLOY done"))
    assert rule_matches(r, note(title="fyi", body="there is an outage"))
    assert not rule_matches(r, note(title="lunch?", body="pizza"))


def test_keyword_does_not_span_title_and_body() -> None:
    assert not rule_matches(rule(keywords=("ab",)), note(title="a", body="b"))


def test_urgency_and_time_sensitive_must_be_equal() -> None:
    assert rule_matches(rule(urgency=Urgency.CRITICAL), note(urgency=Urgency.CRITICAL))
    assert not rule_matches(rule(urgency=Urgency.CRITICAL), note(urgency=Urgency.NORMAL))
    assert rule_matches(rule(time_sensitive=False), note(time_sensitive=False))
    assert not rule_matches(rule(time_sensitive=True), note(time_sensitive=False))


def test_every_set_field_must_match() -> None:
    r = rule(sender="alice", keywords=("deploy",))
    assert rule_matches(r, note(sender="Alice", title="deploy"))
    assert not rule_matches(r, note(sender="Alice", title="lunch"))
    assert not rule_matches(r, note(sender="Bob", title="deploy"))


def test_empty_match_matches_everything() -> None:
    assert rule_matches(rule(), note())


def test_first_match_wins_in_order_and_skips_disabled() -> None:
    disabled = Rule(RuleMatch(sender="alice"), RuleAction.MUTE, enabled=False)
    second = rule(RuleAction.HOLD, sender="alice")
    third = rule(RuleAction.ALLOW, sender="alice")
    rules = [disabled, second, third]
    assert first_match(rules, note(sender="alice")) is second
    assert CompiledRules(rules).first_match(note(sender="alice")) is second


def test_first_match_none_when_nothing_matches() -> None:
    rules = [rule(sender="alice"), rule(keywords=("x",))]
    assert first_match(rules, note(sender="bob")) is None
    assert CompiledRules(rules).first_match(note(sender="bob")) is None


def test_compiled_rules_respect_order_across_indexes() -> None:
    keyword_rule = rule(RuleAction.MUTE, keywords=("sale",))
    sender_rule = rule(RuleAction.PRIORITY, sender="alice")
    source_rule = rule(RuleAction.HOLD, source="mail")
    compiled = CompiledRules([keyword_rule, sender_rule, source_rule])
    assert compiled.first_match(note(sender="alice", title="big sale")) is keyword_rule
    assert compiled.first_match(note(sender="alice", source="mail")) is sender_rule
    assert compiled.first_match(note(sender="bob", source="Mail")) is source_rule


def test_compiled_rules_cache_does_not_change_answers() -> None:
    compiled = CompiledRules([rule(sender="a*", keywords=("x",))])
    assert compiled.first_match(note(sender="ann", title="x")) is not None
    assert compiled.first_match(note(sender="ann", title="y")) is None
    assert compiled.first_match(note(sender="ann", title="x")) is not None


def test_pattern_matches_exact_without_wildcards() -> None:
    assert pattern_matches("Straße", "STRASSE")  # case-folded, not just lower-cased
    assert not pattern_matches("alice", "alice ")


@pytest.mark.parametrize(
    ("r", "line"),
    [
        (
            rule(sender="Alice", keywords=("deploy",)),
            "sender is Alice and keyword 'deploy' → allow",
        ),
        (rule(RuleAction.MUTE, sender="*@news.com"), "sender matches '*@news.com' → mute"),
        (
            rule(RuleAction.HOLD, source="Slack", keywords=("a", "b")),
            "app is Slack and keywords 'a' or 'b' → hold",
        ),
        (
            rule(RuleAction.PRIORITY, urgency=Urgency.CRITICAL, time_sensitive=True),
            "urgency is critical and time-sensitive → priority",
        ),
        (rule(RuleAction.MUTE), "every notification → mute"),
        (
            rule(RuleAction.MUTE, "Newsletters", source="news*"),
            "Newsletters: app matches 'news*' → mute",
        ),
    ],
)
def test_describe_rule_gives_one_human_line(r: Rule, line: str) -> None:
    assert describe_rule(r) == line


def test_describe_rule_marks_disabled_rules() -> None:
    r = Rule(RuleMatch(sender="bob"), RuleAction.ALLOW, enabled=False)
    assert describe_rule(r) == "sender is bob → allow (disabled)"


# Property: the compiled lookup answers exactly like the plain ordered scan.

_names = st.sampled_from(["alice", "Alice", "bob", "CI", "ci", "carol@example.com", ""])
_patterns = st.sampled_from(["alice", "BOB", "ci", "*@example.com", "c*", "?ob", "[ab]*"])
_words = st.sampled_from(["deploy", "sale", "Outage", "lunch", ""])


@st.composite
def _rules(draw: st.DrawFn) -> Rule:
    return Rule(
        match=RuleMatch(
            sender=draw(st.none() | _patterns),
            source=draw(st.none() | _patterns),
            urgency=draw(st.none() | st.sampled_from(list(Urgency))),
            keywords=tuple(draw(st.lists(_words, max_size=2))),
            time_sensitive=draw(st.none() | st.booleans()),
        ),
        action=draw(st.sampled_from(list(RuleAction))),
        enabled=draw(st.booleans()),
    )


@st.composite
def _notes(draw: st.DrawFn) -> Notification:
    return note(
        title=draw(_words),
        body=draw(_words),
        sender=draw(_names),
        source=draw(_names),
        urgency=draw(st.sampled_from(list(Urgency))),
        time_sensitive=draw(st.booleans()),
    )


@given(st.lists(_rules(), max_size=12), st.lists(_notes(), min_size=1, max_size=5))
def test_compiled_first_match_equals_plain_first_match(
    rules: list[Rule], notes: list[Notification]
) -> None:
    compiled = CompiledRules(rules)
    for n in notes:
        assert compiled.first_match(n) is first_match(rules, n)


_keywords = st.text(alphabet="abeqz17-é ", max_size=4)


@given(
    st.lists(st.lists(_keywords, min_size=1, max_size=3), min_size=6, max_size=20),
    st.lists(st.text(alphabet="abeqz17-éA ", max_size=12), min_size=1, max_size=5),
)
def test_keyword_index_answers_like_plain_scan_for_many_keywords(
    keyword_lists: list[list[str]], titles: list[str]
) -> None:
    rules = [
        Rule(RuleMatch(keywords=tuple(words)), RuleAction.MUTE, name=str(i))
        for i, words in enumerate(keyword_lists)
    ]
    compiled = CompiledRules(rules)
    for title in titles:
        n = note(title)
        assert compiled.first_match(n) is first_match(rules, n)
