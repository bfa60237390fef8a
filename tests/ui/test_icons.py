"""The tray icons: every mode renders at every tray size, and the modes look different."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from focus_app.core.model import Mode
from focus_app.ui import icons
from focus_app.ui.icons import TRAY_SIZES, app_icon, mode_icon, render_mode_image, resources_dir


def _pixels(image: QImage) -> bytes:
    converted = image.convertToFormat(QImage.Format.Format_ARGB32)
    return bytes(converted.constBits())


def _opaque_pixels(image: QImage) -> int:
    converted = image.convertToFormat(QImage.Format.Format_ARGB32)
    return sum(
        1
        for y in range(converted.height())
        for x in range(converted.width())
        if converted.pixelColor(x, y).alpha() > 128
    )


@pytest.fixture(autouse=True)
def _fresh_cache(qtbot: QtBot) -> None:
    icons.clear_cache()


def test_resources_dir_holds_every_tray_svg() -> None:
    for mode in Mode:
        for variant in ("light", "dark"):
            assert (resources_dir() / "icons" / f"tray-{mode.value}-{variant}.svg").is_file()


def test_resources_dir_prefers_pyinstaller_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "resources" / "icons").mkdir(parents=True)
    monkeypatch.setattr("sys._MEIPASS", str(bundle), raising=False)
    assert resources_dir() == bundle / "resources"


@pytest.mark.parametrize("dark_panel", [False, True], ids=["light-panel", "dark-panel"])
@pytest.mark.parametrize("mode", list(Mode), ids=[m.value for m in Mode])
def test_mode_icon_has_a_visible_pixmap_at_every_tray_size(mode: Mode, dark_panel: bool) -> None:
    icon = mode_icon(mode, dark_panel=dark_panel)
    assert not icon.isNull()
    for size in TRAY_SIZES:
        pixmap = icon.pixmap(QSize(size, size))
        assert not pixmap.isNull()
        assert pixmap.size() == QSize(size, size)
        # At least a fifth of the square is ink: the glyph is there and not a speck.
        assert _opaque_pixels(pixmap.toImage()) > size * size // 5


@pytest.mark.parametrize("size", TRAY_SIZES)
@pytest.mark.parametrize("dark_panel", [False, True], ids=["light-panel", "dark-panel"])
def test_four_modes_render_to_different_shapes(size: int, dark_panel: bool) -> None:
    # Compare alpha only: the modes must differ in shape, not just in colour.
    masks = {}
    for mode in Mode:
        image = render_mode_image(mode, size, dark_panel=dark_panel)
        masks[mode] = bytes(image.convertToFormat(QImage.Format.Format_Alpha8).constBits())
    assert len(set(masks.values())) == len(Mode)


@pytest.mark.parametrize("size", TRAY_SIZES)
@pytest.mark.parametrize("mode", list(Mode), ids=[m.value for m in Mode])
def test_held_badge_changes_the_pixels(mode: Mode, size: int) -> None:
    plain = render_mode_image(mode, size, held=0)
    badged = render_mode_image(mode, size, held=3)
    overflow = render_mode_image(mode, size, held=42)
    assert _pixels(plain) != _pixels(badged)
    assert _pixels(plain) != _pixels(overflow)


def test_badge_digit_differs_from_overflow_where_numbers_fit() -> None:
    assert _pixels(render_mode_image(Mode.FOCUS, 32, held=3)) != _pixels(
        render_mode_image(Mode.FOCUS, 32, held=12)
    )


def test_light_and_dark_panels_get_different_ink() -> None:
    for mode in Mode:
        light = render_mode_image(mode, 32, dark_panel=False)
        dark = render_mode_image(mode, 32, dark_panel=True)
        assert _pixels(light) != _pixels(dark)
        # Same glyph, different ink: the shape is shared.
        alpha = QImage.Format.Format_Alpha8
        assert light.convertToFormat(alpha) == dark.convertToFormat(alpha)


def test_ink_contrasts_with_its_panel() -> None:
    for mode in Mode:
        for dark_panel, panel_lightness in ((False, 240), (True, 40)):
            image = render_mode_image(mode, 16, dark_panel=dark_panel)
            inked = [
                image.pixelColor(x, y)
                for y in range(16)
                for x in range(16)
                if image.pixelColor(x, y).alpha() == 255
            ]
            assert inked, mode
            ink = inked[len(inked) // 2].lightness()
            assert abs(ink - panel_lightness) > 90, (mode, dark_panel, ink)


def test_mode_icon_is_cached_and_counts_past_nine_share_an_entry() -> None:
    first = mode_icon(Mode.FOCUS, held=12, dark_panel=True)
    assert mode_icon(Mode.FOCUS, held=12, dark_panel=True).cacheKey() == first.cacheKey()
    assert mode_icon(Mode.FOCUS, held=99, dark_panel=True).cacheKey() == first.cacheKey()
    assert mode_icon(Mode.FOCUS, held=12, dark_panel=False).cacheKey() != first.cacheKey()


def test_mode_icon_guesses_the_panel_when_not_told() -> None:
    assert not mode_icon(Mode.OFF).isNull()


def test_negative_held_count_is_rejected() -> None:
    with pytest.raises(ValueError, match="held"):
        mode_icon(Mode.FOCUS, held=-1)


def test_app_icon_is_available_in_small_and_large_sizes() -> None:
    icon = app_icon()
    assert not icon.isNull()
    for size in (16, 48, 256):
        assert not icon.pixmap(QSize(size, size)).isNull()


def test_every_sidebar_page_has_a_line_icon_drawn_in_the_given_ink(qapp: object) -> None:
    from PySide6.QtGui import QColor

    from focus_app.ui.icons import PAGE_ICON_NAMES, page_icon

    for name in PAGE_ICON_NAMES:
        image = page_icon(name, QColor("#ff0000")).pixmap(24, 24).toImage()
        inked = [
            QColor(image.pixel(x, y))
            for x in range(24)
            for y in range(24)
            if QColor.fromRgba(image.pixel(x, y)).alpha() > 200
        ]
        assert len(inked) > 20, name
        assert all(c.red() > 200 and c.green() < 40 for c in inked), name


def test_a_missing_sidebar_icon_is_named_in_the_error(qapp: object) -> None:
    from focus_app.ui.icons import page_icon

    with pytest.raises(FileNotFoundError, match=r"nope\.svg"):
        page_icon("nope")
