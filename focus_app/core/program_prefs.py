"""What the user chose for each program that sends notifications, and the rules it makes.

Every program whose notifications the app has seen gets a row in the Programs list
(settings). The user's choice per program is kept as a :class:`ProgramChoice`, not as a
rule in the rule list, so the list of programs stays a list of programs and the user's
own rules stay theirs. The gate only knows rules, so :func:`program_rules` turns the
choices into rules that the engine places after the user's rules: a rule the user wrote
(e.g. "Alice on Slack → allow") still wins over "Slack: always hold".

Programs are matched by their display name, the ``source`` of their notifications.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from focus_app.core.model import Rule, RuleAction, RuleMatch


class ProgramChoice(enum.StrEnum):
    """What happens to one program's notifications."""

    FOLLOW = "follow"
    """Follow the schedule (the user's rules and the gate's settings decide)."""
    ALLOW = "allow"
    """Always let through, off-time included (a ``priority`` rule)."""
    HOLD = "hold"
    """Always hold for the next digest, even while available."""
    MUTE = "mute"
    """Stored and counted, never shown."""


SENDER_RULE_VALUES: tuple[str, ...] = ("", "summary", "body-prefix", "none")
"""Where a program's notifications name the person who sent them; "" = the program's
default. The values are those of ``core.programs.SenderRule`` (kept as strings here so
the preferences do not depend on the watcher's module)."""

_ACTION_OF_CHOICE = {
    ProgramChoice.ALLOW: RuleAction.PRIORITY,
    ProgramChoice.HOLD: RuleAction.HOLD,
    ProgramChoice.MUTE: RuleAction.MUTE,
}

_RULE_NAME_SUFFIX = {
    ProgramChoice.ALLOW: "always let through",
    ProgramChoice.HOLD: "always hold",
    ProgramChoice.MUTE: "mute",
}


@dataclass(frozen=True)
class Program:
    """A program that has sent notifications, with the user's choice for it.

    Attributes:
        key: Stable identity (e.g. the desktop entry or the lower-cased app name).
        display_name: The name shown to the user and used as the notifications' source.
        icon: A theme icon name or a file path, as the program announced it; may be "".
        choice: What happens to its notifications.
        sender_rule: Where its notifications name the sender: one of
            :data:`SENDER_RULE_VALUES` ("" = the program's default).
        first_seen: When its first notification arrived.
        last_seen: When its latest notification arrived.
        count_week: How many of its notifications arrived since the start of the week.
    """

    key: str
    display_name: str
    icon: str
    choice: ProgramChoice
    sender_rule: str
    first_seen: datetime
    last_seen: datetime
    count_week: int = 0

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("a program needs a key")
        if self.sender_rule not in SENDER_RULE_VALUES:
            allowed = ", ".join(repr(v) for v in SENDER_RULE_VALUES)
            raise ValueError(f"unknown sender rule {self.sender_rule!r}; use one of {allowed}")
        if self.count_week < 0:
            raise ValueError(f"count_week must be 0 or more, got {self.count_week}")

    @property
    def name(self) -> str:
        """The display name, else the key (a program that announced no name)."""
        return self.display_name or self.key


def escape_pattern(text: str) -> str:
    """``text`` as a rule pattern that matches exactly it: wildcards put in brackets.

    Rule sources accept shell wildcards, so a program called "Why?" would otherwise
    match "Whym" too; ``[?]`` matches a literal question mark.
    """
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def program_rule(program: Program) -> Rule | None:
    """The rule that carries out ``program``'s choice, or ``None`` to follow the schedule."""
    if program.choice is ProgramChoice.FOLLOW:
        return None
    return Rule(
        match=RuleMatch(source=escape_pattern(program.name)),
        action=_ACTION_OF_CHOICE[program.choice],
        name=f"{program.name}: {_RULE_NAME_SUFFIX[program.choice]}",
    )


def program_rules(programs: Iterable[Program]) -> list[Rule]:
    """The rules for every program that does not follow the schedule, by name.

    The order only matters for two programs with the same display name; sorting by
    name and key keeps it the same from one start to the next.
    """
    rules = []
    for program in sorted(programs, key=lambda p: (p.name.casefold(), p.key)):
        rule = program_rule(program)
        if rule is not None:
            rules.append(rule)
    return rules


def week_start(now: datetime, tz: tzinfo) -> datetime:
    """Monday 00:00 of the week containing ``now``, in ``tz`` (what "this week" counts from)."""
    local: date = now.astimezone(tz).date()
    monday = local - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=tz)


__all__ = [
    "SENDER_RULE_VALUES",
    "Program",
    "ProgramChoice",
    "escape_pattern",
    "program_rule",
    "program_rules",
    "week_start",
]
