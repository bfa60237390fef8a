"""Rules: which notifications a filter matches, and which rule decides first.

A rule's match is an AND of the fields that are set (see ``RuleMatch``). Senders and
sources compare case-insensitively (case-folded) and accept shell wildcards with
``fnmatch`` semantics; keywords match when any of them occurs in the title or body.
A match with no field set matches every notification, like a mail filter on "all
messages".

The gate asks "which rule decides this notification" for every notification, so
``CompiledRules`` does the work once per rule list: patterns are case-folded, exact
senders and sources go into dictionaries, and only the few rules that could match a
notification are checked, in order.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from focus_app.core.model import Notification, Rule, RuleMatch, Urgency

_WILDCARD_CHARS = frozenset("*?[")
_CANDIDATE_CACHE_SIZE = 4096


def has_wildcard(pattern: str) -> bool:
    """Whether ``pattern`` uses shell wildcards (``*``, ``?`` or ``[...]``)."""
    return not _WILDCARD_CHARS.isdisjoint(pattern)


@functools.lru_cache(maxsize=1024)
def _compile_pattern(pattern: str) -> re.Pattern[str]:
    """A case-folded fnmatch pattern as a regex matching case-folded text."""
    return re.compile(fnmatch.translate(pattern.casefold()))


def pattern_matches(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern``: case-insensitive, shell wildcards allowed."""
    if not has_wildcard(pattern):
        return pattern.casefold() == value.casefold()
    return _compile_pattern(pattern).match(value.casefold()) is not None


def _text_of(n: Notification) -> str:
    """The case-folded text keywords are searched in; a newline keeps title and body apart."""
    return f"{n.title}\n{n.body}".casefold()


def rule_matches(rule: Rule, n: Notification) -> bool:
    """Whether every field set in ``rule.match`` matches ``n``.

    ``rule.enabled`` is not consulted: this answers "does the filter fit", and
    ``first_match`` is where disabled rules are skipped.
    """
    m = rule.match
    if m.sender is not None and not pattern_matches(m.sender, n.sender):
        return False
    if m.source is not None and not pattern_matches(m.source, n.source):
        return False
    if m.urgency is not None and m.urgency != n.urgency:
        return False
    if m.time_sensitive is not None and m.time_sensitive != n.time_sensitive:
        return False
    if m.keywords:
        text = _text_of(n)
        if not any(k.casefold() in text for k in m.keywords):
            return False
    return True


def first_match(rules: Iterable[Rule], n: Notification) -> Rule | None:
    """The first enabled rule that matches ``n``, or ``None``.

    For many decisions against the same rule list use ``CompiledRules`` instead.
    """
    for rule in rules:
        if rule.enabled and rule_matches(rule, n):
            return rule
    return None


class NamePattern:
    """A sender or source pattern, case-folded once; exact or with shell wildcards.

    ``matches`` takes an already case-folded value, so callers fold each value once.
    """

    __slots__ = ("exact", "regex")

    def __init__(self, pattern: str) -> None:
        folded = pattern.casefold()
        self.exact: str | None = None if has_wildcard(folded) else folded
        self.regex: re.Pattern[str] | None = (
            None if self.exact is not None else _compile_pattern(folded)
        )

    def matches(self, folded_value: str) -> bool:
        """Whether the case-folded ``folded_value`` fits the pattern."""
        if self.exact is not None:
            return self.exact == folded_value
        assert self.regex is not None
        return self.regex.match(folded_value) is not None


@dataclass(frozen=True, slots=True)
class _CompiledRule:
    """One enabled rule, prepared for fast checks against case-folded values."""

    index: int
    rule: Rule
    sender: NamePattern | None
    source: NamePattern | None
    urgency: Urgency | None
    time_sensitive: bool | None
    keywords: tuple[str, ...]

    @classmethod
    def build(cls, index: int, rule: Rule) -> _CompiledRule:
        m = rule.match
        return cls(
            index=index,
            rule=rule,
            sender=None if m.sender is None else NamePattern(m.sender),
            source=None if m.source is None else NamePattern(m.source),
            urgency=m.urgency,
            time_sensitive=m.time_sensitive,
            # An empty keyword occurs in every text; keep it, it is what the user wrote.
            keywords=tuple(k.casefold() for k in m.keywords),
        )


class _Probe:
    """One notification's case-folded fields, folded lazily and at most once."""

    __slots__ = ("_text", "n", "sender", "source")

    def __init__(self, n: Notification) -> None:
        self.n = n
        self.sender = n.sender.casefold()
        self.source = n.source.casefold()
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = _text_of(self.n)
        return self._text


def _fits(c: _CompiledRule, p: _Probe) -> bool:
    if c.sender is not None and not c.sender.matches(p.sender):
        return False
    if c.source is not None and not c.source.matches(p.source):
        return False
    if c.urgency is not None and c.urgency != p.n.urgency:
        return False
    if c.time_sensitive is not None and c.time_sensitive != p.n.time_sensitive:
        return False
    if c.keywords:
        text = p.text
        return any(k in text for k in c.keywords)
    return True


class _FieldIndex:
    """Rules keyed on one field (sender or source): exact values in a dict, wildcards apart.

    ``candidates(value)`` is the ordered indices of rules whose pattern on this field
    matches ``value``; it is cached per value, since senders and sources repeat a lot.
    """

    def __init__(self) -> None:
        self._exact: dict[str, list[int]] = {}
        self._wild: list[tuple[int, re.Pattern[str]]] = []
        self._cache: dict[str, tuple[int, ...]] = {}

    def add(self, index: int, pattern: NamePattern) -> None:
        if pattern.exact is not None:
            self._exact.setdefault(pattern.exact, []).append(index)
        else:
            assert pattern.regex is not None
            self._wild.append((index, pattern.regex))

    def candidates(self, folded_value: str) -> tuple[int, ...]:
        found = self._cache.get(folded_value)
        if found is not None:
            return found
        hits = list(self._exact.get(folded_value, ()))
        hits.extend(i for i, regex in self._wild if regex.match(folded_value) is not None)
        found = tuple(sorted(hits))
        if len(self._cache) >= _CANDIDATE_CACHE_SIZE:
            self._cache.clear()
        self._cache[folded_value] = found
        return found


_BY_FREQUENCY = " etaoinsrhldcumfpgwybvkxjqz"
"""Characters from the most to the least common in ordinary text; any other is rarer."""
_KEYWORDS_WORTH_INDEXING = 12
"""Below this many keywords a plain scan is cheaper than the rare-character filter."""


def _rarity(c: str) -> int:
    rank = _BY_FREQUENCY.find(c)
    return len(_BY_FREQUENCY) if rank < 0 else rank


class _KeywordIndex:
    """Keyword-only rules: which one comes first among those whose keyword is in a text.

    Every keyword is filed under its rarest character (digits, punctuation and rare
    letters first); a keyword can only occur in a text that contains that character, and
    a one-character test is much cheaper than a substring search. So a lookup tests each
    filing character once and searches only the keywords filed under those present.
    """

    def __init__(self, pairs: Sequence[tuple[str, int]]) -> None:
        self._pairs = tuple(pairs)  # (case-folded keyword, rule index), in rule order
        self.first = pairs[0][1] if pairs else -1
        self._indexed = len(pairs) >= _KEYWORDS_WORTH_INDEXING
        groups: dict[str, list[tuple[str, int]]] = {}
        self._empty = -1  # the first rule with an empty keyword, which is in every text
        for keyword, index in pairs:
            if not keyword:
                if self._empty < 0:
                    self._empty = index
                continue
            groups.setdefault(max(keyword, key=_rarity), []).append((keyword, index))
        self._groups = tuple((c, tuple(group)) for c, group in groups.items())

    def first_in(self, text: str, best: int) -> int:
        """The lowest rule index below ``best`` with a keyword in ``text``, else ``best``."""
        if not self._indexed:
            for keyword, index in self._pairs:
                if index >= best:
                    break
                if keyword in text:
                    return index
            return best
        if 0 <= self._empty < best:
            best = self._empty
        for c, group in self._groups:
            if group[0][1] < best and c in text:
                for keyword, index in group:
                    if index >= best:
                        break
                    if keyword in text:
                        best = index
                        break
        return best


class CompiledRules:
    """An ordered rule list prepared for many ``first_match`` calls.

    Each enabled rule is filed under the most selective field it sets: sender, else
    source (both via ``_FieldIndex``), else, for rules that set keywords and nothing
    else, a ``_KeywordIndex``; the few remaining rules are always candidates. A lookup
    checks the candidates for the notification's sender and source plus the remaining
    rules in the list's order, then asks the keyword index for an earlier rule. The
    result equals ``first_match(rules, n)``.

    Build a new one when the rules change; it holds no state besides a bounded cache.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = tuple(rules)
        self._compiled: list[_CompiledRule] = []
        self._by_sender = _FieldIndex()
        self._by_source = _FieldIndex()
        keyword_pairs: list[tuple[str, int]] = []
        # Rules found by no index (urgency or time-sensitive only, or empty), in order.
        always: list[int] = []
        for index, rule in enumerate(self._rules):
            compiled = _CompiledRule.build(index, rule)
            self._compiled.append(compiled)
            if not rule.enabled:
                continue
            if compiled.sender is not None:
                self._by_sender.add(index, compiled.sender)
            elif compiled.source is not None:
                self._by_source.add(index, compiled.source)
            elif compiled.keywords and compiled.urgency is None and compiled.time_sensitive is None:
                keyword_pairs.extend((k, index) for k in compiled.keywords)
            else:
                always.append(index)
        self._always = tuple(always)
        self._keywords = _KeywordIndex(keyword_pairs)
        self._no_match = len(self._rules)

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules as given, disabled ones included."""
        return self._rules

    def __len__(self) -> int:
        return len(self._rules)

    def first_match(self, n: Notification) -> Rule | None:
        """The first enabled rule that matches ``n``, or ``None``."""
        probe = _Probe(n)
        by_sender = self._by_sender.candidates(probe.sender)
        by_source = self._by_source.candidates(probe.source)
        always = self._always
        if (by_sender and by_source) or ((by_sender or by_source) and always):
            ordered: Iterable[int] = sorted((*by_sender, *by_source, *always))
        else:
            ordered = by_sender or by_source or always
        compiled = self._compiled
        best = self._no_match
        for index in ordered:
            if _fits(compiled[index], probe):
                best = index
                break
        keywords = self._keywords
        if 0 <= keywords.first < best:
            best = keywords.first_in(probe.text, best)
        return compiled[best].rule if best < self._no_match else None


def _quote(text: str) -> str:
    return f"'{text}'"


def describe_match(match: RuleMatch) -> str:
    """What a match means in words, e.g. "sender is Alice and keyword 'deploy'"."""
    parts: list[str] = []
    if match.sender is not None:
        if has_wildcard(match.sender):
            parts.append(f"sender matches {_quote(match.sender)}")
        else:
            parts.append(f"sender is {match.sender}")
    if match.source is not None:
        if has_wildcard(match.source):
            parts.append(f"app matches {_quote(match.source)}")
        else:
            parts.append(f"app is {match.source}")
    if match.urgency is not None:
        parts.append(f"urgency is {match.urgency.value}")
    if match.keywords:
        words = " or ".join(_quote(k) for k in match.keywords)
        parts.append(f"keyword {words}" if len(match.keywords) == 1 else f"keywords {words}")
    if match.time_sensitive is not None:
        parts.append("time-sensitive" if match.time_sensitive else "not time-sensitive")
    return " and ".join(parts) if parts else "every notification"


def describe_rule(rule: Rule) -> str:
    """One human line for a rule, e.g. "sender is Alice and keyword 'deploy' → allow".

    A named rule starts with its name; a disabled one ends with "(disabled)".
    """
    line = f"{describe_match(rule.match)} → {rule.action.value}"
    if rule.name:
        line = f"{rule.name}: {line}"
    if not rule.enabled:
        line += " (disabled)"
    return line


def rule_label(rule: Rule) -> str:
    """How reasons name a rule: its name, else what it matches."""
    return rule.name or describe_match(rule.match)
