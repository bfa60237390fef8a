"""Suggested rule changes, computed from the weekly review, each with its evidence.

Pure: the caller passes the week's review (and the previous weeks' focus, for patterns
that need more than one week), the gate's settings and the keys the user dismissed.
Every suggestion has a stable ``key`` naming the rule it would change, so a dismissed
one does not come back for that rule next week; and an :class:`Apply` the engine can
execute in one call (``Engine.apply_suggestion``).

The thresholds are deliberately conservative: a suggestion that is wrong costs the
user's trust in all of them.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from focus_app.core.model import GateSettings, Rule, RuleAction, RuleMatch
from focus_app.core.program_prefs import ProgramChoice
from focus_app.core.review import WeekReview, WhoRow

SENDER_MIN_BREAKTHROUGHS = 5
"""A sender needs this many breakthroughs in the week before holding them is suggested."""
SENDER_COULD_WAIT_SHARE = 0.6
"""... and at least this share of them marked "could wait"."""
MUTE_MIN_HELD = 20
"""A program or source needs this many held items, none wanted, before muting it is."""
REPEAT_MIN = 5
"""Repeat escalation must have let one source through this often to suggest it off."""
BLOCK_MIN_WEEKS = 3
"""A block must have been cut short in at least this many of the weeks looked at..."""
BLOCK_SHARE = 0.75
"""... and in at least this share of the weeks it occurred in."""
WEEKS_LOOKED_AT = 4
"""How many weeks (this one included) the cut-short pattern is looked for in."""


class ApplyKind(enum.StrEnum):
    """What applying a suggestion does (each maps to one engine call)."""

    ADD_RULE = "add_rule"
    """``Engine.add_rule(rule, position=0)``: first, so it beats broader rules."""
    SET_PROGRAM_CHOICE = "set_program_choice"
    """``Engine.set_program_choice(program, choice)``."""
    UPDATE_SETTING = "update_setting"
    """``Engine.update_settings(replace(settings, <setting>=value))``."""
    SHOW_BLOCK = "show_block"
    """Nothing to change automatically: open the calendar on the block to move it."""


@dataclass(frozen=True)
class Apply:
    """How to carry a suggestion out.

    Attributes:
        kind: Which engine call.
        description: What it does, in words (the Apply button's tooltip).
        rule: For ``ADD_RULE``.
        program: For ``SET_PROGRAM_CHOICE``: the program's key.
        choice: For ``SET_PROGRAM_CHOICE``.
        setting: For ``UPDATE_SETTING``: the ``Settings`` attribute.
        value: For ``UPDATE_SETTING``: its new value.
        block_id: For ``SHOW_BLOCK``.
    """

    kind: ApplyKind
    description: str
    rule: Rule | None = None
    program: str = ""
    choice: ProgramChoice | None = None
    setting: str = ""
    value: int | tuple[str, ...] | None = None
    block_id: int | None = None


@dataclass(frozen=True)
class Suggestion:
    """One concrete rule change with its evidence.

    Attributes:
        key: Stable name of the rule it changes (dismissals are stored by it).
        text: The question, evidence first ("Bob broke through 9 times, 7 marked could
            wait: hold Bob during focus?").
        apply: How to carry it out.
    """

    key: str
    text: str
    apply: Apply


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _matches_entry(name: str, entries: Sequence[str]) -> tuple[str, ...]:
    folded = name.casefold()
    return tuple(e for e in entries if e.casefold() == folded)


def _sender_suggestion(row: WhoRow, gate: GateSettings) -> Suggestion | None:
    bt = row.breakthroughs
    if bt < SENDER_MIN_BREAKTHROUGHS or row.could_wait < SENDER_COULD_WAIT_SHARE * bt:
        return None
    if row.by_repeat * 2 > bt:
        return None  # the repeat-escalation suggestion is the one that fits
    evidence = f"{row.name} broke through {_times(bt)}, {row.could_wait} marked could wait"
    listed = _matches_entry(row.name, gate.breakthrough_people)
    if listed and row.by_list * 2 >= bt:
        remaining = tuple(e for e in gate.breakthrough_people if e not in listed)
        return Suggestion(
            key=f"hold-sender:{row.name.casefold()}",
            text=f"{evidence}: hold {row.name} during focus?",
            apply=Apply(
                ApplyKind.UPDATE_SETTING,
                f"Remove the short rule that lets {row.name} through: held during focus, "
                "delivered while available.",
                setting="breakthrough_people",
                value=remaining,
            ),
        )
    return Suggestion(
        key=f"hold-sender:{row.name.casefold()}",
        text=f"{evidence}: hold {row.name} for the digest?",
        apply=Apply(
            ApplyKind.ADD_RULE,
            f"Add a first rule that holds {row.name} for the next digest (also while "
            "available; everything stays in the history).",
            rule=Rule(RuleMatch(sender=row.name), RuleAction.HOLD, name=f"Hold {row.name}"),
        ),
    )


def _mute_suggestion(row: WhoRow) -> Suggestion | None:
    if row.held < MUTE_MIN_HELD or row.held_wanted or row.breakthroughs:
        return None
    evidence = f"{row.name}: {row.held} held, none marked should have reached you"
    if row.dismissed:
        evidence += f", {row.dismissed} dismissed unread"
    question = f"{evidence}: mute {row.name}?"
    key = f"mute:{(row.program_key or row.name).casefold()}"
    if row.program_key:
        return Suggestion(
            key,
            question,
            Apply(
                ApplyKind.SET_PROGRAM_CHOICE,
                f"Mute {row.name}: its notifications are kept in the history, never shown.",
                program=row.program_key,
                choice=ProgramChoice.MUTE,
            ),
        )
    return Suggestion(
        key,
        question,
        Apply(
            ApplyKind.ADD_RULE,
            f"Add a first rule that mutes {row.name}: kept in the history, never shown.",
            rule=Rule(RuleMatch(source=row.name), RuleAction.MUTE, name=f"Mute {row.name}"),
        ),
    )


def _repeat_suggestion(row: WhoRow, gate: GateSettings) -> Suggestion | None:
    if gate.repeat_escalation_minutes <= 0 or row.by_repeat < REPEAT_MIN:
        return None
    wait = f" ({row.could_wait} marked could wait)" if row.could_wait else ""
    return Suggestion(
        key=f"repeat-escalation:{(row.program_key or row.name).casefold()}",
        text=(
            f"Repeat escalation let {row.name} through {_times(row.by_repeat)}{wait}: "
            "turn repeat escalation off?"
        ),
        apply=Apply(
            ApplyKind.UPDATE_SETTING,
            "Set repeat escalation to 0 minutes: a sender writing twice no longer gets "
            "through focus (the setting is for every sender).",
            setting="repeat_escalation_minutes",
            value=0,
        ),
    )


_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _block_suggestions(weeks: Sequence[WeekReview]) -> list[Suggestion]:
    """Blocks cut short on the same weekday in most of the weeks looked at."""
    seen: dict[tuple[int, int], list[int]] = {}  # (block, weekday) -> [weeks, cut]
    titles: dict[tuple[int, int], str] = {}
    cutters: dict[tuple[int, int], dict[str, int]] = {}
    for week in weeks[:WEEKS_LOOKED_AT]:
        counted: set[tuple[int, int]] = set()
        cut_this_week: set[tuple[int, int]] = set()
        for occ in week.occurrences:
            if occ.block_id is None:
                continue
            slot = (occ.block_id, occ.weekday)
            titles[slot] = occ.title
            counted.add(slot)
            if occ.cut_short and slot not in cut_this_week:
                cut_this_week.add(slot)
                by = cutters.setdefault(slot, {})
                by[occ.cut_by] = by.get(occ.cut_by, 0) + 1
        for slot in counted:
            entry = seen.setdefault(slot, [0, 0])
            entry[0] += 1
            entry[1] += slot in cut_this_week
    out: list[Suggestion] = []
    for slot, (occurred, cut) in sorted(seen.items()):
        if cut < BLOCK_MIN_WEEKS or cut < BLOCK_SHARE * occurred:
            continue
        block_id, weekday = slot
        cut_by = max(cutters[slot].items(), key=lambda kv: kv[1])[0]
        day = _WEEKDAY_NAMES[weekday]
        out.append(
            Suggestion(
                key=f"move-block:{block_id}:{weekday}",
                text=(
                    f"{day}'s block '{titles[slot]}' was cut short {cut} of {occurred} weeks "
                    f"by '{cut_by}': move it?"
                ),
                apply=Apply(
                    ApplyKind.SHOW_BLOCK,
                    "Open the calendar to move or shorten the block.",
                    block_id=block_id,
                ),
            )
        )
    return out


def suggest(
    week: WeekReview,
    gate: GateSettings,
    *,
    earlier_weeks: Sequence[WeekReview] = (),
    dismissed: Collection[str] = (),
) -> list[Suggestion]:
    """Suggested rule changes for ``week``, strongest evidence first, dismissed ones left out.

    Args:
        week: The week's review.
        gate: The gate's settings in force now (lists, repeat escalation).
        earlier_weeks: Reviews of the weeks before, newest first (their occurrences
            are what counts; ``build_review`` with no items makes them cheaply).
        dismissed: Keys the user dismissed.
    """
    out: list[Suggestion] = []
    for row in week.senders:
        found = _sender_suggestion(row, gate)
        if found is not None:
            out.append(found)
    for row in week.programs:
        for s in (_mute_suggestion(row), _repeat_suggestion(row, gate)):
            if s is not None:
                out.append(s)
    out.extend(_block_suggestions([week, *earlier_weeks]))
    unique: dict[str, Suggestion] = {}
    for s in out:
        if s.key not in dismissed and s.key not in unique:
            unique[s.key] = s
    return list(unique.values())


__all__ = ["Apply", "ApplyKind", "Suggestion", "suggest"]
