"""The files a desktop reads about us pass the freedesktop validators.

These run the real tools (``desktop-file-validate`` from desktop-file-utils,
``appstreamcli`` from appstream): a hand-rolled check would drift from what software
centres and menus actually accept.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from focus_app import APP_ID, APP_NAME, __version__
from focus_app.desktop import autostart
from focus_app.ui.icons import APP_ICON_SIZES, resources_dir

RESOURCES = resources_dir()
DESKTOP_FILE = RESOURCES / f"{APP_ID}.desktop"
METAINFO_FILE = RESOURCES / f"{APP_ID}.metainfo.xml"


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; run: sudo apt-get install {package}")
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=60)


def test_desktop_file_passes_desktop_file_validate() -> None:
    result = _run(_tool("desktop-file-validate", "desktop-file-utils"), str(DESKTOP_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


def test_desktop_file_launches_the_cli_with_our_icon() -> None:
    lines = DESKTOP_FILE.read_text(encoding="utf-8").splitlines()
    assert f"Exec={APP_NAME}" in lines
    assert f"Icon={APP_NAME}" in lines
    assert "X-GNOME-UsesNotifications=true" in lines


def test_autostart_entry_passes_desktop_file_validate() -> None:
    written = autostart.enable()
    result = _run(_tool("desktop-file-validate", "desktop-file-utils"), str(written))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "", result.stdout


def test_autostart_entry_with_awkward_path_passes_desktop_file_validate() -> None:
    command = autostart.quote_exec_args(["/opt/my apps/focus $app/bin/focus-app", "--at=50%"])
    written = autostart.enable(command)
    result = _run(_tool("desktop-file-validate", "desktop-file-utils"), str(written))
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_passes_appstreamcli_validate() -> None:
    result = _run(
        _tool("appstreamcli", "appstream"), "validate", "--no-net", "--no-color", str(METAINFO_FILE)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_names_this_app_and_version() -> None:
    text = METAINFO_FILE.read_text(encoding="utf-8")
    assert f"<id>{APP_ID}</id>" in text
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in text
    assert f'<release version="{__version__}"' in text


@pytest.mark.parametrize("size", APP_ICON_SIZES)
def test_hicolor_png_exists_with_its_pixel_size(size: int) -> None:
    png = RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_NAME}.png"
    assert png.is_file(), f"{png} missing; run scripts/render_icons.py"
    image = QImage(str(png))
    assert not image.isNull()
    assert (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel()


def test_hicolor_scalable_svg_matches_the_source() -> None:
    scalable = RESOURCES / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_NAME}.svg"
    source = RESOURCES / "icons" / f"{APP_NAME}.svg"
    assert scalable.read_bytes() == source.read_bytes(), "run scripts/render_icons.py"


def test_resources_are_found_from_the_source_tree() -> None:
    assert Path(__file__).resolve().parents[2] / "resources" == RESOURCES
