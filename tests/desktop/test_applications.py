"""Desktop entry lookups over real files in throwaway XDG data folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from focus_app.desktop.applications import AppInfo, DesktopEntries


def write_entry(root: Path, relative: str, text: str) -> Path:
    path = root / "applications" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def entries(home: Path, *dirs: Path, language: str = "C") -> DesktopEntries:
    return DesktopEntries(data_home=home, data_dirs=list(dirs), language=language)


def test_name_and_icon_come_from_the_desktop_file(tmp_path: Path) -> None:
    write_entry(tmp_path / "usr", "slack.desktop",
                "[Desktop Entry]\nType=Application\nName=Slack\nIcon=slack\nExec=slack\n")

    info = entries(tmp_path / "home", tmp_path / "usr").lookup("slack")

    assert info == AppInfo(entry_id="slack", name="Slack", icon="slack")


def test_the_users_entry_beats_the_systems(tmp_path: Path) -> None:
    write_entry(tmp_path / "usr", "chat.desktop", "[Desktop Entry]\nName=System Chat\n")
    write_entry(tmp_path / "home", "chat.desktop", "[Desktop Entry]\nName=My Chat\nIcon=/x.png\n")

    info = entries(tmp_path / "home", tmp_path / "usr").lookup("chat.desktop")

    assert info is not None and (info.name, info.icon) == ("My Chat", "/x.png")


def test_a_dashed_id_is_found_in_a_subfolder_and_names_are_localised(tmp_path: Path) -> None:
    write_entry(tmp_path / "usr", "kde/kmail.desktop",
                "[Desktop Entry]\nName=KMail\nName[de]=KMail (de)\n[Desktop Action x]\nName=No\n")

    info = entries(tmp_path / "home", tmp_path / "usr", language="de_DE.UTF-8").lookup("kde-kmail")

    assert info is not None and info.name == "KMail (de)"


def test_an_app_name_finds_its_lower_case_entry(tmp_path: Path) -> None:
    write_entry(tmp_path / "usr", "signal.desktop", "[Desktop Entry]\nName=Signal\n")

    assert entries(tmp_path / "home", tmp_path / "usr").lookup("Signal") is not None


def test_broken_missing_and_hostile_entries_are_none(tmp_path: Path) -> None:
    usr = tmp_path / "usr"
    write_entry(usr, "binary.desktop", "[Desktop Entry]\nName=Bin\x00ary\n")
    write_entry(usr, "nogroup.desktop", "Name=Nothing\n")
    write_entry(usr, "huge.desktop", "[Desktop Entry]\nName=Huge\n" + "#" * 300_000)
    (usr / "applications" / "dir.desktop").mkdir()
    write_entry(tmp_path, "secret.desktop", "[Desktop Entry]\nName=Outside\n")
    lookup = entries(tmp_path / "home", usr)

    for entry_id in ("binary", "nogroup", "huge", "dir", "missing", "", "../secret",
                     "..", "a/b", "x" * 10_000):
        assert lookup.lookup(entry_id) is None, entry_id


def test_answers_are_cached_until_forgotten(tmp_path: Path) -> None:
    usr = tmp_path / "usr"
    lookup = entries(tmp_path / "home", usr)
    assert lookup.lookup("late") is None

    write_entry(usr, "late.desktop", "[Desktop Entry]\nName=Late\n")
    assert lookup.lookup("late") is None  # the miss is cached
    lookup.forget()
    assert lookup.lookup("late") is not None


def test_defaults_follow_the_xdg_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_DIRS", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    write_entry(tmp_path / "b", "zulip.desktop", "[Desktop Entry]\nName=Zulip\n")

    info = DesktopEntries(language="C").lookup("zulip")

    assert info is not None and info.name == "Zulip"
