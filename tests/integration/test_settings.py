"""settings.toml: declared once, documented defaults, problems that name the key."""

from __future__ import annotations

import dataclasses
import stat
import tomllib
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from focus_app.core.model import GateSettings, Mode
from focus_app.settings import OPTIONS, Settings, load_settings, render_settings, save_settings


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "settings.toml"


def write(path: Path, text: str) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.read_bytes()


def test_missing_file_is_created_with_defaults_and_no_problems(path: Path) -> None:
    settings, problems = load_settings(path)
    assert settings == Settings()
    assert problems == []
    assert path.is_file()


def test_written_default_file_parses_back_to_the_defaults(path: Path) -> None:
    load_settings(path)
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    assert document["gate"]["breakthrough_budget"] == 3
    assert document["schedule"]["default_mode"] == "available"
    assert document["breakthrough"]["people"] == []
    assert load_settings(path) == (Settings(), [])


def test_written_default_file_documents_every_key(path: Path) -> None:
    load_settings(path)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for option in OPTIONS:
        index = lines.index(f"{option.key} = {_toml_default(option.default)}")
        comments = lines[index - 2 : index]
        assert comments[0] == f"# {option.doc}", option.key
        assert comments[1].startswith("# Allowed: "), option.key


def _toml_default(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{item}"' for item in value) + "]"
    return str(value)


def test_every_option_is_declared_once_with_a_unique_key() -> None:
    keys = [(o.section, o.key) for o in OPTIONS]
    assert len(keys) == len(set(keys))
    assert [o.attr for o in OPTIONS] == [f.name for f in dataclasses.fields(Settings)]


def test_valid_file_is_read_into_typed_attributes(path: Path) -> None:
    write(
        path,
        """
[schedule]
default_mode = "focus"
timezone = "Europe/Berlin"
[gate]
critical_passes_focus = false
repeat_escalation_minutes = 0
breakthrough_budget = -1
pacing_per_minute = 10
[breakthrough]
people = ["alice@example.com", "*@family.org"]
apps = ["pager"]
priority_people = ["boss"]
priority_apps = ["alarm"]
[notifications]
heads_up_minutes = 0
digest = false
[calendar]
snap_minutes = 30
day_starts_hour = 9
""",
    )
    settings, problems = load_settings(path)
    assert problems == []
    assert settings.default_mode is Mode.FOCUS
    assert settings.timezone == "Europe/Berlin"
    assert settings.critical_passes_focus is False
    assert settings.repeat_escalation_minutes == 0
    assert settings.breakthrough_budget == -1
    assert settings.pacing_per_minute == 10
    assert settings.breakthrough_people == ("alice@example.com", "*@family.org")
    assert settings.breakthrough_apps == ("pager",)
    assert settings.priority_people == ("boss",)
    assert settings.priority_apps == ("alarm",)
    assert settings.heads_up_minutes == 0
    assert settings.digest is False
    assert settings.snap_minutes == 30
    assert settings.day_starts_hour == 9


def test_missing_keys_take_their_defaults_silently(path: Path) -> None:
    write(path, "[gate]\npacing_per_minute = 2\n")
    settings, problems = load_settings(path)
    assert problems == []
    assert settings == dataclasses.replace(Settings(), pacing_per_minute=2)


def test_invalid_value_names_the_key_uses_its_default_and_leaves_the_file_alone(
    path: Path,
) -> None:
    before = write(path, '[gate]\nbreakthrough_budget = "x"\npacing_per_minute = 2\n')
    settings, problems = load_settings(path)
    assert problems == [f"{path}: [gate] breakthrough_budget = 'x' is not a whole number; using 3"]
    assert settings.breakthrough_budget == 3
    assert settings.pacing_per_minute == 2  # the other keys still count
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            "[gate]\nrepeat_escalation_minutes = 61",
            "[gate] repeat_escalation_minutes = 61 must be between 0 and 60; using 3",
        ),
        (
            "[gate]\nbreakthrough_budget = -2",
            "[gate] breakthrough_budget = -2 must be between 0 and 100"
            " (or -1 for unlimited); using 3",
        ),
        (
            "[boundaries]\nweekly_breakthroughs = -1",
            "[boundaries] weekly_breakthroughs = -1 must be between 1 and 1000"
            " (or 0 for unlimited); using 10",
        ),
        (
            "[gate]\nbreakthrough_budget = true",
            "[gate] breakthrough_budget = true is not a whole number; using 3",
        ),
        (
            "[gate]\npacing_per_minute = 2.5",
            "[gate] pacing_per_minute = 2.5 is not a whole number; using 4",
        ),
        (
            '[gate]\ncritical_passes_focus = "yes"',
            "[gate] critical_passes_focus = 'yes' is not true or false; using true",
        ),
        (
            '[schedule]\ndefault_mode = "paused"',
            "[schedule] default_mode = 'paused' must be one of available, focus, off;"
            " using 'available'",
        ),
        (
            '[breakthrough]\npeople = "alice"',
            "[breakthrough] people = 'alice' is not a list of texts"
            ' (like ["alice", "bob"]); using []',
        ),
        (
            "[breakthrough]\napps = [1, 2]",
            '[breakthrough] apps = [1, 2] is not a list of texts (like ["alice", "bob"]); using []',
        ),
        (
            "[notifications]\nheads_up_minutes = 121",
            "[notifications] heads_up_minutes = 121 must be between 0 and 120; using 5",
        ),
        (
            "[calendar]\nsnap_minutes = 20",
            "[calendar] snap_minutes = 20 must be one of 5, 10, 15, 30, 60; using 15",
        ),
        (
            "[calendar]\nday_starts_hour = 24",
            "[calendar] day_starts_hour = 24 must be between 0 and 23; using 7",
        ),
    ],
)
def test_each_invalid_value_gets_one_problem_naming_key_fault_and_default(
    path: Path, toml: str, expected: str
) -> None:
    before = write(path, toml + "\n")
    settings, problems = load_settings(path)
    assert problems == [f"{path}: {expected}"]
    assert settings == Settings()
    assert path.read_bytes() == before


def test_unknown_time_zone_is_a_problem_and_the_system_zone_is_used(path: Path) -> None:
    write(path, '[schedule]\ntimezone = "Mars/Olympus_Mons"\n')
    settings, problems = load_settings(path)
    assert len(problems) == 1
    assert "[schedule] timezone" in problems[0]
    assert "unknown time zone 'Mars/Olympus_Mons'" in problems[0]
    assert problems[0].endswith("using ''")
    assert settings.timezone == ""


def test_syntax_error_uses_every_default_names_the_line_and_keeps_the_file(path: Path) -> None:
    before = write(path, "[gate]\npacing_per_minute = 2\nbreakthrough_budget = \n[calendar]\n")
    settings, problems = load_settings(path)
    assert settings == Settings()
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: syntax error")
    assert "line 3" in problems[0]
    assert problems[0].endswith("using every default")
    assert path.read_bytes() == before


def test_file_that_is_not_utf8_uses_every_default_and_is_kept(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"[gate]\npacing_per_minute = \xff\xfe\n")
    settings, problems = load_settings(path)
    assert settings == Settings()
    assert "not UTF-8" in problems[0]
    assert path.read_bytes() == b"[gate]\npacing_per_minute = \xff\xfe\n"


def test_unknown_key_and_section_are_reported_and_ignored(path: Path) -> None:
    before = write(path, "[gate]\nfoo = 1\npacing_per_minute = 6\n[colours]\nbar = 2\nloose = 3\n")
    settings, problems = load_settings(path)
    assert problems == [
        f"{path}: unknown setting [gate] foo; ignored",
        f"{path}: unknown setting [colours]; ignored",
    ]
    assert settings.pacing_per_minute == 6
    assert path.read_bytes() == before


def test_top_level_unknown_key_is_reported(path: Path) -> None:
    write(path, "volume = 11\n")
    _, problems = load_settings(path)
    assert problems == [f"{path}: unknown setting volume; ignored"]


def test_section_written_as_a_value_is_reported_and_its_defaults_used(path: Path) -> None:
    write(path, "gate = 3\n")
    settings, problems = load_settings(path)
    assert problems == [f"{path}: gate must be a [gate] section; using its defaults"]
    assert settings == Settings()


def test_save_then_load_round_trips_every_value(path: Path) -> None:
    changed = Settings(
        default_mode=Mode.OFF,
        timezone="America/New_York",
        critical_passes_focus=False,
        repeat_escalation_minutes=10,
        breakthrough_budget=-1,
        pacing_per_minute=0,
        breakthrough_people=('Zoë "the boss" <z@example.com>', "back\\slash"),
        breakthrough_apps=("pager",),
        priority_people=("mum",),
        priority_apps=("alarm", "smoke-detector"),
        heads_up_minutes=120,
        digest=False,
        snap_minutes=5,
        day_starts_hour=0,
    )
    save_settings(path, changed)
    assert load_settings(path) == (changed, [])


def test_save_keeps_the_documentation_comments(path: Path) -> None:
    save_settings(path, dataclasses.replace(Settings(), pacing_per_minute=9))
    text = path.read_text(encoding="utf-8")
    assert text == render_settings(dataclasses.replace(Settings(), pacing_per_minute=9))
    assert "pacing_per_minute = 9\n" in text
    for option in OPTIONS:
        assert f"# {option.doc}\n" in text


def test_save_replaces_the_file_atomically_and_leaves_no_temp_files(path: Path) -> None:
    save_settings(path, Settings())
    save_settings(path, dataclasses.replace(Settings(), digest=False))
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.toml"]


def test_new_settings_file_is_private_and_an_existing_mode_is_kept(path: Path) -> None:
    save_settings(path, Settings())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o640)
    save_settings(path, Settings())
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_gate_settings_carry_the_gate_options() -> None:
    settings = dataclasses.replace(
        Settings(),
        breakthrough_people=("a",),
        breakthrough_apps=("b",),
        priority_people=("c",),
        priority_apps=("d",),
        critical_passes_focus=False,
        repeat_escalation_minutes=7,
        breakthrough_budget=-1,
        pacing_per_minute=2,
        weekly_breakthroughs=25,
    )
    assert settings.gate_settings() == GateSettings(
        breakthrough_people=("a",),
        breakthrough_apps=("b",),
        priority_people=("c",),
        priority_apps=("d",),
        critical_passes_focus=False,
        repeat_escalation_minutes=7,
        breakthrough_budget=-1,
        pacing_per_minute=2,
        weekly_breakthroughs=25,
    )
    assert Settings().gate_settings() == GateSettings()


def test_tzinfo_is_the_configured_zone() -> None:
    assert Settings(timezone="Asia/Tokyo").tzinfo() == ZoneInfo("Asia/Tokyo")


def test_tzinfo_is_the_system_zone_when_empty() -> None:
    zone = Settings().tzinfo()
    assert isinstance(zone, tzinfo)
    assert zone.utcoffset(None) is not None or hasattr(zone, "key")


def test_system_time_zone_follows_the_TZ_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from zoneinfo import ZoneInfo

    from focus_app.settings import system_timezone

    monkeypatch.setenv("TZ", ":America/Santiago")
    assert system_timezone() == ZoneInfo("America/Santiago")
    monkeypatch.setenv("TZ", "/usr/share/zoneinfo/Asia/Tokyo")
    assert system_timezone() == ZoneInfo("Asia/Tokyo")


# Files that must not stop the app or flood the screen --------------------------------------------


def test_a_utf8_byte_order_mark_is_accepted(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf[gate]\npacing_per_minute = 7\n")
    settings, problems = load_settings(path)
    assert problems == []
    assert settings.pacing_per_minute == 7


def test_a_value_nested_5000_deep_costs_only_its_key_in_one_short_line(path: Path) -> None:
    write(
        path,
        "[gate]\npacing_per_minute = 7\n[breakthrough]\npeople = "
        + "[" * 5000
        + "]" * 5000
        + "\napps = [\"chat\"]\n",
    )
    settings, problems = load_settings(path)  # was a 3,000-line RecursionError
    assert settings.pacing_per_minute == 7
    assert settings.breakthrough_apps == ("chat",)
    assert settings.breakthrough_people == ()
    assert problems == [f"{path}: [breakthrough] people is nested more than 8 deep; using []"]


@pytest.mark.parametrize(
    "value",
    ['"' + "x" * 5_000_000 + '"', "[" + '"ab", ' * 1_000_000 + "]"],
    ids=["one-huge-text", "a-huge-list"],
)
def test_a_5_mb_value_falls_back_to_its_default_without_being_echoed(
    path: Path, value: str
) -> None:
    write(path, f"[schedule]\ntimezone = {value}\n[gate]\npacing_per_minute = 7\n")
    settings, problems = load_settings(path)
    assert settings.timezone == ""
    assert settings.pacing_per_minute == 7
    assert len(problems) == 1
    assert len(problems[0]) < len(str(path)) + 80
    assert "[schedule] timezone is larger than 64 KiB" in problems[0]


def test_a_long_bad_value_or_unknown_key_is_quoted_at_most_about_60_characters(
    path: Path,
) -> None:
    write(path, f'[schedule]\ndefault_mode = "{"y" * 5000}"\n[gate]\n{"k" * 5000} = 1\n')
    _, problems = load_settings(path)
    assert len(problems) == 2
    for line in problems:
        assert len(line.replace(str(path), "")) < 150, line


def test_the_settings_folder_file_and_backups_are_made_private(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.parent.chmod(0o755)
    write(path, "[gate]\npacing_per_minute = 7\n")
    backup = path.with_name("settings.toml.before-20260101-000000")
    backup.write_text("")
    for file in (path, backup):
        file.chmod(0o644)
    load_settings(path)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_repeat_escalation_is_for_chat_by_default_and_the_file_says_which_kinds(
    path: Path,
) -> None:
    settings, _ = load_settings(path)
    assert settings.repeat_escalation_kinds == ("chat",)
    assert settings.gate_settings().repeat_escalation_kinds == ("chat",)
    text = path.read_text(encoding="utf-8")
    assert 'repeat_escalation_kinds = ["chat"]' in text
    assert "chat (Slack, Signal" in text and "mail (Thunderbird" in text


@pytest.mark.parametrize(
    ("value", "kinds", "problem"),
    [
        ('["Mail", "chat"]', ("chat", "mail"), None),
        ("[]", (), None),
        ('["sms"]', ("chat",), "names an unknown kind 'sms' (use chat, mail, other)"),
    ],
)
def test_repeat_escalation_kinds_are_checked_like_every_setting(
    path: Path, value: str, kinds: tuple[str, ...], problem: str | None
) -> None:
    write(path, f"[gate]\nrepeat_escalation_kinds = {value}\n")
    settings, problems = load_settings(path)
    assert settings.repeat_escalation_kinds == kinds
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]


def test_zero_weekly_breakthroughs_is_no_weekly_limit_for_the_gate(path: Path) -> None:
    write(path, "[boundaries]\nweekly_breakthroughs = 0\n")
    settings, problems = load_settings(path)
    assert problems == []
    assert settings.gate_settings().weekly_breakthroughs == 0
    option = next(o for o in OPTIONS if o.key == "weekly_breakthroughs")
    assert "0 = no weekly limit" in option.doc and "only priority passes" in option.doc
