"""Where files go: platformdirs under the XDG variables, read at call time."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from focus_app import paths


def test_data_and_database_follow_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert paths.data_dir() == tmp_path / "data" / "focus-app"
    assert paths.database_path() == tmp_path / "data" / "focus-app" / "focus-app.sqlite3"


def test_config_and_settings_follow_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert paths.config_dir() == tmp_path / "cfg" / "focus-app"
    assert paths.settings_path() == tmp_path / "cfg" / "focus-app" / "settings.toml"


def test_state_dir_follows_xdg_state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert paths.state_dir() == tmp_path / "state" / "focus-app"


def test_paths_are_read_at_call_time_not_import_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = paths.database_path()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))
    assert paths.database_path() != first
    assert paths.database_path().is_relative_to(tmp_path / "elsewhere")


def test_runtime_dir_is_created_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = tmp_path / "rt"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    folder = paths.runtime_dir()
    assert folder == runtime / "focus-app"
    assert folder.is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_socket_lives_in_the_runtime_dir_with_a_short_path() -> None:
    socket = paths.socket_path()
    assert socket.parent == paths.runtime_dir()
    assert socket.name == "focus-app.sock"
    assert len(str(socket).encode()) < 108  # AF_UNIX limit


def test_autostart_dir_uses_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert paths.autostart_dir() == tmp_path / "cfg" / "autostart"


def test_autostart_dir_falls_back_to_home_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.autostart_dir() == tmp_path / "home" / ".config" / "autostart"


def test_autostart_dir_ignores_a_relative_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/cfg")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.autostart_dir() == tmp_path / "home" / ".config" / "autostart"


def _runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    runtime = tmp_path / "rt"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    return runtime / "focus-app"


def test_a_runtime_dir_that_is_a_symlink_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _runtime(tmp_path, monkeypatch)
    everyone = tmp_path / "everyone"
    everyone.mkdir()
    everyone.chmod(0o777)
    folder.symlink_to(everyone)
    with pytest.raises(paths.UnsafeRuntimeDir, match="is a symlink"):
        paths.runtime_dir()


def test_a_group_writable_runtime_dir_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _runtime(tmp_path, monkeypatch)
    folder.mkdir()
    folder.chmod(0o775)
    with pytest.raises(paths.UnsafeRuntimeDir, match=f"fix with: chmod 700 {folder}"):
        paths.runtime_dir()


def test_private_dir_creates_and_tightens_to_0700_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        made = paths.private_dir(tmp_path / "new")
        loose = paths.data_dir()  # the app's own folder, left 0755 by an older version
        loose.mkdir(mode=0o755, parents=True, exist_ok=True)
        loose.chmod(0o755)
        paths.private_dir(loose)
    finally:
        os.umask(old)
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700


def test_private_file_is_0600_and_never_opened_through_a_symlink(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        os.close(paths.private_file(tmp_path / "log"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "log").stat().st_mode) == 0o600
    target = tmp_path / "target"
    target.write_text("keep")
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        paths.private_file(tmp_path / "link", os.O_WRONLY | os.O_TRUNC)
    assert target.read_text() == "keep"


def test_an_existing_folder_that_is_not_the_apps_keeps_its_mode(tmp_path: Path) -> None:
    """A database or settings file kept elsewhere never changes its folder's permissions
    (running as root with a file in /tmp once made /tmp 0700 for every other user)."""
    from focus_app.paths import private_dir

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)

    private_dir(shared)

    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
