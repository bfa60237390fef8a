"""The XDG autostart entry: written where the session manager looks, and removable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from focus_app import APP_ID
from focus_app.desktop import autostart


def test_autostart_path_follows_xdg_config_home(isolated_xdg: Path) -> None:
    expected = isolated_xdg / "xdg_config_home" / "autostart" / f"{APP_ID}.desktop"
    assert autostart.autostart_path() == expected


def test_autostart_path_ignores_relative_xdg_config_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert autostart.autostart_path() == tmp_path / ".config" / "autostart" / f"{APP_ID}.desktop"


def test_enable_writes_entry_in_autostart_dir_and_is_enabled(isolated_xdg: Path) -> None:
    assert not autostart.is_enabled()
    written = autostart.enable()
    assert written.parent == isolated_xdg / "xdg_config_home" / "autostart"
    assert written.is_file()
    assert autostart.is_enabled()
    text = written.read_text(encoding="utf-8")
    assert text.startswith("[Desktop Entry]\n")
    for line in ("Type=Application", "Icon=focus-app", "X-GNOME-Autostart-enabled=true"):
        assert line in text.splitlines()
    assert any(line.startswith("Exec=") and len(line) > 5 for line in text.splitlines())


def test_enable_uses_the_given_command(isolated_xdg: Path) -> None:
    autostart.enable("/usr/bin/focus-app --headless")
    assert "Exec=/usr/bin/focus-app --headless" in autostart.autostart_path().read_text()


def test_enable_replaces_an_existing_entry_without_leaving_temp_files(isolated_xdg: Path) -> None:
    autostart.enable("first")
    autostart.enable("second")
    folder = autostart.autostart_path().parent
    assert os.listdir(folder) == [autostart.autostart_path().name]
    assert "Exec=second" in autostart.autostart_path().read_text()


@pytest.mark.parametrize("command", ["", "   ", "a\nb"])
def test_enable_rejects_an_unusable_command(command: str) -> None:
    with pytest.raises(ValueError, match="one non-empty line"):
        autostart.enable(command)
    assert not autostart.autostart_path().exists()


def test_default_command_uses_focus_app_on_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    exe = tmp_path / "bin" / "focus-app"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(exe.parent))
    assert autostart.default_exec_command() == str(exe)


def test_default_command_falls_back_to_python_module(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("sys.executable", "/opt/py thon/bin/python3")
    assert autostart.default_exec_command() == '"/opt/py thon/bin/python3" -m focus_app'


def test_exec_arguments_are_quoted_per_desktop_entry_spec() -> None:
    assert autostart.quote_exec_args(["focus-app", "--at=50%"]) == "focus-app --at=50%%"
    assert autostart.quote_exec_args(["a b", "x$y"]) == '"a b" "x\\\\$y"'


def test_disable_removes_the_entry_and_is_idempotent() -> None:
    autostart.enable("focus-app")
    autostart.disable()
    assert not autostart.autostart_path().exists()
    assert not autostart.is_enabled()
    autostart.disable()


@pytest.mark.parametrize("switch_off", ["Hidden=true", "X-GNOME-Autostart-enabled=false"])
def test_entry_switched_off_by_the_desktop_counts_as_disabled(switch_off: str) -> None:
    path = autostart.enable("focus-app")
    path.write_text(path.read_text().replace("X-GNOME-Autostart-enabled=true", switch_off))
    assert not autostart.is_enabled()
