"""User preferences, declared once, read from and written to ``settings.toml``.

Every option is declared exactly once, as a field of :class:`Settings` with its type,
default and (in the field's metadata) section, key, one-line doc and parser, the way
Picard declares its options.
Everything else is derived from those declarations: :data:`OPTIONS`, the documented
default file, the problem messages and :func:`save_settings`. Adding a setting means
adding one field here and nothing else.

The file belongs to the user. Loading never rewrites it: a bad value costs that one key
(its default is used and a problem line says so), a syntax error costs the whole file
(every default is used) but the bytes stay exactly as the user left them, so they can
fix the typo. Only a missing file is created, with every key written out and explained.
A UTF-8 byte-order mark (Notepad writes one) is accepted. A value nested deeper than
:data:`MAX_DEPTH` or larger than :data:`MAX_VALUE_CHARS` costs only its key, and a problem
line never quotes more than about 60 characters of what the file holds.

The settings folder is private (0700) and the file 0600: it names the people whose
messages may break through.

Remembered UI state (window geometry and the like) is *not* a setting and lives in
:func:`focus_app.paths.state_dir` instead.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from focus_app.core.model import GateSettings, Mode
from focus_app.core.programs import SourceKind
from focus_app.core.replies import DEFAULT_STATUS_TEMPLATE, status_template_problem
from focus_app.core.requests import check_priorities
from focus_app.paths import PRIVATE_DIR_MODE, private_dir, tighten

T = TypeVar("T")

Parser = Callable[[object], T]
"""Turns a raw TOML value into the typed value, or raises ``ValueError(predicate)``.

The message is a predicate that completes "``[gate] pacing_per_minute = 99 ...``",
e.g. "must be between 0 and 60", so every problem line reads the same way.
"""


@dataclass(frozen=True)
class Option(Generic[T]):
    """The declaration of one setting.

    Attributes:
        section: The TOML table it lives in, e.g. ``gate``.
        key: Its key inside that table.
        default: The value used when the key is missing or invalid.
        doc: One line explaining what it does, written into the file as a comment.
        parse: Checks and converts a raw TOML value (see :data:`Parser`).
        allowed: A short human description of the valid values, for the file comment.
        attr: The :class:`Settings` attribute name.
        label: What the settings window calls it, in plain sentence-case words (the key
            is for the file, the label for people).
        unit: The unit of a number, as shown after it ("min", "per minute"); "" for none.
    """

    section: str
    key: str
    default: T
    doc: str
    parse: Parser[T]
    allowed: str
    attr: str
    label: str = ""
    unit: str = ""


def _declare(
    section: str,
    key: str,
    doc: str,
    parse: Parser[Any],
    allowed: str,
    *,
    label: str,
    unit: str = "",
) -> dict[str, Any]:
    """The field metadata that makes a :class:`Settings` field a declared option."""
    return {
        "section": section,
        "key": key,
        "doc": doc,
        "parse": parse,
        "allowed": allowed,
        "label": label,
        "unit": unit,
    }


# Parsers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WholeNumber:
    """Parser of a whole number in ``low..high`` (or the ``unlimited`` marker).

    A class rather than a closure so the settings window can read the range and offer
    a spin box that cannot leave it.
    """

    low: int
    high: int
    unlimited: int | None = None

    def __call__(self, raw: object) -> int:
        # bool is a subclass of int; ``budget = true`` is a mistake, not 1.
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError("is not a whole number")
        if raw == self.unlimited:
            return raw
        if not self.low <= raw <= self.high:
            extra = f" (or {self.unlimited} for unlimited)" if self.unlimited is not None else ""
            raise ValueError(f"must be between {self.low} and {self.high}{extra}")
        return raw


@dataclass(frozen=True)
class OneOfNumbers:
    """Parser of a whole number from a fixed list (readable, so the window offers a list)."""

    choices: tuple[int, ...]

    def __call__(self, raw: object) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError("is not a whole number")
        if raw not in self.choices:
            raise ValueError(f"must be one of {', '.join(map(str, self.choices))}")
        return raw


def _whole_number(low: int, high: int, *, unlimited: int | None = None) -> Parser[int]:
    return WholeNumber(low, high, unlimited)


def _one_of_numbers(*choices: int) -> Parser[int]:
    return OneOfNumbers(choices)


def _boolean(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValueError("is not true or false")
    return raw


def _string_list(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError('is not a list of texts (like ["alice", "bob"])')
    return tuple(item.strip() for item in raw if item.strip())


@dataclass(frozen=True)
class SomeOfWords:
    """Parser of any of a fixed list of words, kept in the list's order (the window offers
    a check box for each)."""

    choices: tuple[str, ...]

    def __call__(self, raw: object) -> tuple[str, ...]:
        allowed = ", ".join(self.choices)
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise ValueError(
                f'is not a list of kinds (like ["{self.choices[0]}"]; any of {allowed})'
            )
        kinds = [item.strip().lower() for item in raw if item.strip()]
        unknown = [kind for kind in kinds if kind not in self.choices]
        if unknown:
            raise ValueError(f"names an unknown kind '{unknown[0][:40]}' (use {allowed})")
        return tuple(kind for kind in self.choices if kind in kinds)


def _default_mode(raw: object) -> Mode:
    allowed = (Mode.AVAILABLE, Mode.FOCUS, Mode.OFF)
    if not isinstance(raw, str) or raw.strip().lower() not in allowed:
        raise ValueError(f"must be one of {', '.join(allowed)}")
    return Mode(raw.strip().lower())


def _time_zone(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError("is not a text")
    name = raw.strip()
    if len(name) > 255:
        raise ValueError("is not valid (too long for a time zone name)")
    if name:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"is not valid (unknown time zone '{name}'; use an IANA name like"
                " 'Europe/Berlin', or '' for the system's)"
            ) from None
    return name


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Weekday:
    """Parser of a day of the week (``fri``, ``Friday``) to its three letters (the window
    offers the seven days as a list)."""

    choices: tuple[str, ...] = _WEEKDAYS

    def __call__(self, raw: object) -> str:
        if not isinstance(raw, str) or raw.strip().lower()[:3] not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)}")
        return raw.strip().lower()[:3]


@dataclass(frozen=True)
class ClockTime:
    """Parser of a time of day like ``16:00`` (the window offers a time field)."""

    def __call__(self, raw: object) -> str:
        text = raw.strip() if isinstance(raw, str) else ""
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text)
        if match is None:
            raise ValueError("is not a time of day like 16:00")
        return f"{int(match.group(1)):02d}:{match.group(2)}"


def _priorities(raw: object) -> tuple[str, ...]:
    items = _string_list(raw)
    problem = check_priorities(items)
    if problem is not None:
        raise ValueError(f"must {problem} (or none while not set up)")
    if any(len(item) > 100 for item in items):
        raise ValueError("has a priority longer than 100 characters")
    return items


def _status_template(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError("is not a text")
    problem = status_template_problem(raw)
    if problem is not None:
        raise ValueError(f"is not usable ({problem})")
    return raw


# The declarations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Every user preference, typed; the defaults are the declared ones.

    Build one with :func:`load_settings`; change one with ``dataclasses.replace`` and
    :func:`save_settings`.
    """

    default_mode: Mode = field(
        default=Mode.AVAILABLE,
        metadata=_declare(
            "schedule",
            "default_mode",
            "The mode outside every block on the calendar.",
            _default_mode,
            "available, focus or off",
            label="Outside blocks",
        ),
    )
    timezone: str = field(
        default="",
        metadata=_declare(
            "schedule",
            "timezone",
            "Time zone of the calendar's wall-clock times; empty follows the system's.",
            _time_zone,
            'an IANA name like "Europe/Berlin", or "" for the system\'s',
            label="Time zone",
        ),
    )
    critical_passes_focus: bool = field(
        default=True,
        metadata=_declare(
            "gate",
            "critical_passes_focus",
            "Critical notifications get through focus blocks (never through off-time).",
            _boolean,
            "true or false",
            label="Critical gets through focus",
        ),
    )
    repeat_escalation_minutes: int = field(
        default=3,
        metadata=_declare(
            "gate",
            "repeat_escalation_minutes",
            "The same sender twice within this many minutes gets through focus; 0 = never.",
            _whole_number(0, 60),
            "0 to 60",
            label="Let a repeat through within",
            unit="min",
        ),
    )
    repeat_escalation_kinds: tuple[str, ...] = field(
        default=("chat",),
        metadata=_declare(
            "gate",
            "repeat_escalation_kinds",
            "Repeat escalation applies to these kinds of source: chat (Slack, Signal, "
            "Element, …), mail (Thunderbird, Geary, …), other (CI, newsletters, scripts).",
            SomeOfWords(tuple(kind.value for kind in SourceKind)),
            'a list of chat, mail, other (["chat"] by default; [] turns it off)',
            label="Repeats count for",
        ),
    )
    breakthrough_budget: int = field(
        default=3,
        metadata=_declare(
            "gate",
            "breakthrough_budget",
            "Breakthroughs allowed per focus block; after that even allowed items wait.",
            _whole_number(0, 100, unlimited=-1),
            "-1 (unlimited) or 0 to 100",
            label="Breakthroughs per focus block",
        ),
    )
    pacing_per_minute: int = field(
        default=4,
        metadata=_declare(
            "gate",
            "pacing_per_minute",
            "At most this many pop-ups a minute while available, the rest summarised; 0 = off.",
            _whole_number(0, 60),
            "0 to 60",
            label="Pop-ups at most",
            unit="per minute",
        ),
    )
    breakthrough_people: tuple[str, ...] = field(
        default=(),
        metadata=_declare(
            "breakthrough",
            "people",
            "Senders that get through focus blocks (not off-time); wildcards like *@example.com.",
            _string_list,
            "a list of texts",
            label="Allow: people",
        ),
    )
    breakthrough_apps: tuple[str, ...] = field(
        default=(),
        metadata=_declare(
            "breakthrough",
            "apps",
            "Apps (sources) that get through focus blocks (not off-time).",
            _string_list,
            "a list of texts",
            label="Allow: apps",
        ),
    )
    priority_people: tuple[str, ...] = field(
        default=(),
        metadata=_declare(
            "breakthrough",
            "priority_people",
            "Senders that get through everything, off-time included.",
            _string_list,
            "a list of texts",
            label="Priority: people",
        ),
    )
    priority_apps: tuple[str, ...] = field(
        default=(),
        metadata=_declare(
            "breakthrough",
            "priority_apps",
            "Apps (sources) that get through everything, off-time included.",
            _string_list,
            "a list of texts",
            label="Priority: apps",
        ),
    )
    heads_up_minutes: int = field(
        default=5,
        metadata=_declare(
            "notifications",
            "heads_up_minutes",
            'Minutes before a focus block ends to show "focus ends in N min"; 0 = off.',
            _whole_number(0, 120),
            "0 to 120",
            label="Warn before focus ends",
            unit="min",
        ),
    )
    digest: bool = field(
        default=True,
        metadata=_declare(
            "notifications",
            "digest",
            "Release held notifications as one summary instead of one by one.",
            _boolean,
            "true or false",
            label="Release held as one summary",
        ),
    )
    history_weeks: int = field(
        default=26,
        metadata=_declare(
            "history",
            "history_weeks",
            "Weeks of notifications kept in full; older weeks are kept as weekly totals.",
            _whole_number(1, 520),
            "1 to 520",
            label="Keep notifications in full for",
            unit="weeks",
        ),
    )
    snap_minutes: int = field(
        default=15,
        metadata=_declare(
            "calendar",
            "snap_minutes",
            "Dragging blocks on the week view snaps to this many minutes.",
            _one_of_numbers(5, 10, 15, 30, 60),
            "5, 10, 15, 30 or 60",
            label="Snap dragged blocks to",
            unit="min",
        ),
    )
    day_starts_hour: int = field(
        default=7,
        metadata=_declare(
            "calendar",
            "day_starts_hour",
            "The hour the week view scrolls to when it opens.",
            _whole_number(0, 23),
            "0 to 23",
            label="Day starts at",
            unit=":00",
        ),
    )
    review_reminder: bool = field(
        default=True,
        metadata=_declare(
            "review",
            "review_reminder",
            "Remind me once a week to look at the weekly review.",
            _boolean,
            "true or false",
            label="Weekly review reminder",
        ),
    )
    review_day: str = field(
        default="fri",
        metadata=_declare(
            "review",
            "review_day",
            "The day of the weekly review reminder.",
            Weekday(),
            "mon, tue, wed, thu, fri, sat or sun",
            label="Review day",
        ),
    )
    review_time: str = field(
        default="16:00",
        metadata=_declare(
            "review",
            "review_time",
            "The time of day of the weekly review reminder (24-hour clock).",
            ClockTime(),
            "a time like 16:00",
            label="Review time",
        ),
    )

    priorities: tuple[str, ...] = field(
        default=(),
        metadata=_declare(
            "boundaries",
            "priorities",
            "Your 3 to 5 priorities: triage asks whether a request serves one of them.",
            _priorities,
            'a list of 3 to 5 texts (like ["Ship v2", "Mentoring", "Health"]), or []',
            label="Your priorities",
        ),
    )
    budget_hours: int = field(
        default=5,
        metadata=_declare(
            "boundaries",
            "budget_hours",
            "Hours per week you commit to other people's requests.",
            _whole_number(0, 80),
            "0 to 80",
            label="Time for others' requests",
            unit="hours a week",
        ),
    )
    weekly_breakthroughs: int = field(
        default=10,
        metadata=_declare(
            "boundaries",
            "weekly_breakthroughs",
            "Breakthroughs you allow per week (Monday to Sunday, priority ones counted); once "
            "used, the rest wait as after a spent focus-block budget, only priority passes. "
            "0 = no weekly limit.",
            _whole_number(1, 1000, unlimited=0),
            "0 (no weekly limit) or 1 to 1000",
            label="Breakthroughs per week",
        ),
    )
    referral_limit: int = field(
        default=3,
        metadata=_declare(
            "boundaries",
            "referral_limit",
            "Warn when referring someone more often than this in 30 days; 0 = never warn.",
            _whole_number(0, 100),
            "0 to 100",
            label="Warn after referring someone",
            unit="times in 30 days",
        ),
    )
    status_template: str = field(
        default=DEFAULT_STATUS_TEMPLATE,
        metadata=_declare(
            "boundaries",
            "status_template",
            "The status line for auto-replies: {now} is the mode, {windows} the next windows.",
            _status_template,
            "a text with {now}, {windows} or {next_window}",
            label="Auto-reply status line",
        ),
    )

    def gate_settings(self) -> GateSettings:
        """The part of the settings the gate needs, in the core's vocabulary."""
        return GateSettings(
            breakthrough_people=self.breakthrough_people,
            breakthrough_apps=self.breakthrough_apps,
            priority_people=self.priority_people,
            priority_apps=self.priority_apps,
            critical_passes_focus=self.critical_passes_focus,
            repeat_escalation_minutes=self.repeat_escalation_minutes,
            repeat_escalation_kinds=self.repeat_escalation_kinds,
            breakthrough_budget=self.breakthrough_budget,
            pacing_per_minute=self.pacing_per_minute,
            weekly_breakthroughs=self.weekly_breakthroughs,
        )

    def tzinfo(self) -> tzinfo:
        """The calendar's time zone: the configured one, else the system's.

        Falls back to the system zone if the configured name disappeared from the time
        zone database since it was validated (a tzdata update), rather than failing.
        """
        if self.timezone:
            try:
                return ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                pass
        return system_timezone()


def _collect_options() -> tuple[Option[Any], ...]:
    return tuple(
        Option(default=f.default, attr=f.name, **f.metadata) for f in dataclasses.fields(Settings)
    )


OPTIONS: tuple[Option[Any], ...] = _collect_options()
"""Every declared option, in file order."""

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(o.section for o in OPTIONS))
"""The TOML tables, in file order."""


def system_timezone(*, reload: bool = False) -> tzinfo:
    """The system's time zone with its daylight-saving rules.

    ``datetime.now().astimezone().tzinfo`` would be a fixed offset that is wrong after
    the next DST change. On Linux the zone's name is in ``TZ`` or the ``/etc/localtime``
    link, read directly (importing tzlocal costs ~15 ms of every start); elsewhere, or
    when that fails, ask tzlocal (installed with APScheduler).

    Args:
        reload: Read the system setting again (tzlocal caches it): the user may have
            travelled since the app started.
    """
    zone = _zone_from_environment()
    if zone is not None:
        return zone
    try:
        import tzlocal

        found: tzinfo = tzlocal.reload_localzone() if reload else tzlocal.get_localzone()
        return found
    except Exception:  # any broken local setup: a fixed offset beats crashing
        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local


def _zone_from_environment() -> tzinfo | None:
    """The IANA zone named by ``TZ`` or by where ``/etc/localtime`` points, if any."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name and sys.platform.startswith("linux"):
        target = os.path.realpath("/etc/localtime")
        name = target.split("/zoneinfo/", 1)[1] if "/zoneinfo/" in target else ""
    elif "/zoneinfo/" in name:
        name = name.split("/zoneinfo/", 1)[1]
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


# Loading ---------------------------------------------------------------------------------


def load_settings(path: Path) -> tuple[Settings, list[str]]:
    """Read the settings file; never fails and never rewrites an existing file.

    Args:
        path: The settings file, usually :func:`focus_app.paths.settings_path`.

    Returns:
        The settings and a list of problems, one line each, that name the file, the
        key, what is wrong and which value is used instead. A missing file is created
        with every default written out and documented.
    """
    _tighten_config(path)
    if not path.exists():
        try:
            save_settings(path, Settings())
        except OSError as error:
            return Settings(), [
                f"{path}: could not write the default settings ({error}); using every default"
            ]
        return Settings(), []
    problems: list[str] = []
    try:
        # utf-8-sig: a byte-order mark at the start is not part of the TOML text.
        text = path.read_bytes().decode("utf-8-sig")
        try:
            document = tomllib.loads(text)
        except RecursionError:
            document = tomllib.loads(_drop_deep_values(path, text, problems))
    except UnicodeDecodeError as error:
        return Settings(), [f"{path}: is not UTF-8 text ({error}); using every default"]
    except tomllib.TOMLDecodeError as error:
        return Settings(), [f"{path}: syntax error: {error}; using every default"]
    except RecursionError:
        return Settings(), [f"{path}: nested too deeply to read; using every default"]
    except OSError as error:
        return Settings(), [f"{path}: cannot be read ({error.strerror}); using every default"]
    settings, more = _from_document(path, document)
    return settings, problems + more


def _tighten_config(path: Path) -> None:
    """Make an existing settings folder 0700 and the file and its backups 0600."""
    folder = path.parent
    if not folder.is_dir():
        return
    tighten(folder, PRIVATE_DIR_MODE)
    try:
        names = [p for p in folder.iterdir() if p.name.startswith(path.name)]
    except OSError:
        return
    for file in names:
        tighten(file)


MAX_DEPTH = 8
"""Deepest nesting of lists/tables a value may have (ours are flat lists)."""

MAX_VALUE_CHARS = 64 * 1024
"""Largest value, counted in characters of text, a setting may hold."""

_KEY_LINE = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")
_SECTION_LINE = re.compile(r"""^\s*\[\s*([^\[\]]*?)\s*\]\s*(#.*)?$""")


def _drop_deep_values(path: Path, text: str, problems: list[str]) -> str:
    """``text`` without the values nested too deeply for the TOML reader.

    Called only when the reader ran out of stack: every ``key = value`` whose brackets
    nest deeper than :data:`MAX_DEPTH` is blanked (with the lines it continues on), so
    the rest of the file still counts and only that key falls back to its default.
    Brackets inside quoted strings are skipped; a value the scan cannot follow simply
    stays, and the reader's error then costs the whole file as before.
    """
    lines = text.split("\n")
    section = ""
    i = 0
    while i < len(lines):
        header = _SECTION_LINE.match(lines[i])
        if header:
            section = header.group(1)
        key = _KEY_LINE.match(lines[i])
        if key is None:
            i += 1
            continue
        depth = deepest = 0
        j = i
        rest = lines[i][key.end() :]
        while True:
            quote = ""
            for char in rest:
                if quote:
                    if char == quote:
                        quote = ""
                elif char in "\"'":
                    quote = char
                elif char == "#":
                    break
                elif char in "[{":
                    depth += 1
                    deepest = max(deepest, depth)
                elif char in "]}":
                    depth -= 1
            if depth <= 0 or j + 1 >= len(lines):
                break
            j += 1
            rest = lines[j]
        if deepest > MAX_DEPTH:
            name = key.group(1).strip("\"'")
            where = f"[{_clip(section, 40)}] {_clip(name, 40)}" if section else _clip(name, 40)
            option = next((o for o in OPTIONS if (o.section, o.key) == (section, name)), None)
            instead = _show(option.default) if option is not None else "nothing (ignored)"
            problems.append(
                f"{path}: {where} is nested more than {MAX_DEPTH} deep; using {instead}"
            )
            for k in range(i, j + 1):
                lines[k] = ""
        i = j + 1
    return "\n".join(lines)


def _size(value: object, limit: int) -> tuple[int, int]:
    """(characters, depth) of a TOML value, counting stops once either passes its limit."""
    chars = 0
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack and chars <= limit and deepest <= MAX_DEPTH:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, str):
            chars += len(item)
        elif isinstance(item, list):
            stack.extend((x, depth + 1) for x in item)
            chars += 2
        elif isinstance(item, dict):
            stack.extend((x, depth + 1) for x in item.values())
            chars += sum(len(str(k)) for k in item) + 2
        else:
            chars += 8
    return chars, deepest


def _from_document(path: Path, document: Mapping[str, Any]) -> tuple[Settings, list[str]]:
    problems: list[str] = []
    values: dict[str, Any] = {}
    known = {(o.section, o.key): o for o in OPTIONS}
    for section, table in document.items():
        if section not in SECTIONS:
            what = f"[{_clip(section, 40)}]" if isinstance(table, dict) else _clip(section, 40)
            problems.append(f"{path}: unknown setting {what}; ignored")
            continue
        if not isinstance(table, dict):
            problems.append(f"{path}: {section} must be a [{section}] section; using its defaults")
            continue
        for key, raw in table.items():
            option = known.get((section, key))
            if option is None:
                problems.append(f"{path}: unknown setting [{section}] {_clip(key, 40)}; ignored")
                continue
            chars, depth = _size(raw, MAX_VALUE_CHARS)
            if chars > MAX_VALUE_CHARS or depth > MAX_DEPTH:
                what = (
                    f"larger than {MAX_VALUE_CHARS // 1024} KiB"
                    if chars > MAX_VALUE_CHARS
                    else f"nested more than {MAX_DEPTH} deep"
                )
                problems.append(
                    f"{path}: [{section}] {key} is {what}; using {_show(option.default)}"
                )
                continue
            try:
                values[option.attr] = option.parse(raw)
            except ValueError as error:
                problems.append(
                    f"{path}: [{section}] {key} = {_show(raw)} {error}; "
                    f"using {_show(option.default)}"
                )
    return Settings(**values), problems


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: object, limit: int = 60) -> str:
    """A value as the user wrote it, short enough for a one-line problem (~``limit``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(_clip(str(value), limit))
    if isinstance(value, list | tuple):
        parts: list[str] = []
        used = 2
        for item in value:
            if used >= limit:
                parts.append("...")
                break
            part = _show(item, max(limit - used, 8)) if limit > 8 else "..."
            parts.append(part)
            used += len(part) + 2
        return "[" + ", ".join(parts) + "]"
    if isinstance(value, dict):
        return "{...}"
    return _clip(str(value), limit)


# Saving ----------------------------------------------------------------------------------

_HEADER = """\
# Focus & Boundaries settings.
#
# Edit freely while the app is stopped or running; changes are read at the next start.
# A wrong value only costs that one setting: the app says which one and uses its default.
# The settings page rewrites this file from the app's own list of settings, so comments
# you add here are replaced by these when you change something there.
"""


def render_settings(settings: Settings) -> str:
    """The full, documented TOML text for ``settings``.

    Every key is written (defaults included) with its doc, allowed values and default,
    so the file doubles as the reference of what can be set.
    """
    lines = [_HEADER]
    for section in SECTIONS:
        lines.append(f"[{section}]")
        for option in (o for o in OPTIONS if o.section == section):
            value = getattr(settings, option.attr)
            lines.append(f"# {option.doc}")
            lines.append(f"# Allowed: {option.allowed}. Default: {_toml(option.default)}.")
            lines.append(f"{option.key} = {_toml(value)}")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (same escapes, \\uXXXX included).
        return json.dumps(str(value), ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


def save_settings(path: Path, settings: Settings) -> None:
    """Write ``settings`` as a documented file, atomically.

    The text goes to a temporary file in the same folder, is flushed to disk and then
    renamed over the old file, so a crash leaves either the old or the new file and
    never half of one.

    Raises:
        OSError: The folder or file cannot be written.
    """
    private_dir(path.parent)
    text = render_settings(settings)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # Keep the user's own permissions; a new file is private (it names people).
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
