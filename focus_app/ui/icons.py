"""Tray and application icons, rendered from the SVGs in ``resources/icons``.

The tray icon is the one thing a user sees all day, so it is drawn with care:

* Each mode has its own *shape* (bullseye, open ring with a check, moon, two bars), so
  the mode reads at 16 px and without colour vision; colour is only a second cue.
* Every mode exists twice: ``tray-<mode>-light.svg`` carries dark ink for a *light*
  panel, ``tray-<mode>-dark.svg`` light ink for a *dark* panel. A single glyph with an
  outline looks muddy at 16 px; two inks stay crisp on both.
* The SVG is rendered at every size a panel asks for (16 to 64 px) instead of letting
  the panel scale one bitmap, and the count of held notifications is painted per size:
  a plain dot where a digit would be illegible, a numbered badge where it is not.

Rendering needs a ``QGuiApplication``; the functions here are called from the GUI thread.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import (
    QColor,
    QFont,
    QGuiApplication,
    QIcon,
    QImage,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtSvg import QSvgRenderer

from focus_app import APP_NAME
from focus_app.core.model import Mode

TRAY_SIZES: tuple[int, ...] = (16, 22, 24, 32, 48, 64)
"""Pixel sizes rendered into every tray icon: what panels on Linux, Windows and macOS ask for."""

APP_ICON_SIZES: tuple[int, ...] = (16, 22, 24, 32, 48, 64, 128, 256)
"""The hicolor sizes shipped as PNGs (``scripts/render_icons.py`` regenerates them)."""

BADGE_MAX = 9
"""Counts above this show as ``9+``: the exact number is in the menu, not the icon."""

_SMALLEST_NUMBERED_BADGE = 22
"""Below this size a digit is a smudge, so the badge is a plain dot."""

_BADGE_INK = {False: ("#1a1a1a", "#ffffff"), True: ("#ffffff", "#1a1a1a")}
"""(badge fill, digit colour) per ``dark_panel``: neutral, so it never clashes with a mode."""


def resources_dir() -> Path:
    """The folder holding ``icons/``, the ``.desktop`` file and the metainfo.

    PyInstaller unpacks data files under ``sys._MEIPASS``; from a source checkout (or an
    editable install) the folder sits next to the package. A normal install may also put
    it under ``<prefix>/share/focus-app``. The first candidate that exists wins.

    Raises:
        FileNotFoundError: If no candidate exists: the installation is incomplete, and
            the message names every place that was looked at.
    """
    candidates: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parents[2] / "resources")
    candidates.append(Path(sys.prefix) / "share" / APP_NAME / "resources")
    for candidate in candidates:
        if (candidate / "icons").is_dir():
            return candidate
    looked = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"{APP_NAME} resources not found (looked in {looked}); reinstall the app"
    )


def tray_svg_path(mode: Mode, dark_panel: bool) -> Path:
    """The SVG for ``mode`` drawn for a dark or a light panel."""
    variant = "dark" if dark_panel else "light"
    return resources_dir() / "icons" / f"tray-{mode.value}-{variant}.svg"


def app_icon() -> QIcon:
    """The application icon: the theme's ``focus-app`` if installed, else our own files.

    Asking the theme first lets a packaged install (or a user's icon theme) win; the
    fallback adds the scalable SVG plus the pre-rendered hicolor PNGs so small sizes
    use the hand-checked bitmaps instead of a downscaled SVG.
    """
    fallback = QIcon()
    icons = resources_dir() / "icons"
    for size in APP_ICON_SIZES:
        png = icons / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_NAME}.png"
        if png.is_file():
            fallback.addFile(str(png), QSize(size, size))
    svg = icons / f"{APP_NAME}.svg"
    if svg.is_file():
        fallback.addFile(str(svg))
    return QIcon.fromTheme(APP_NAME, fallback)


PAGE_ICON_NAMES: tuple[str, ...] = (
    "today", "calendar", "inbox", "history", "review", "requests", "settings"
)
"""The sidebar's icons: ``resources/icons/pages/<name>.svg``, one line-drawn set."""


def page_icon(name: str, color: QColor | None = None) -> QIcon:
    """A sidebar icon drawn in ``color`` (default: the palette's text colour).

    The SVGs are black line drawings on a 24 px grid; each is rendered and then filled
    with the ink, so one file serves light and dark schemes. Call again after a palette
    change (the main window does) to follow the desktop's scheme.

    Raises:
        FileNotFoundError: ``name`` has no SVG (a typo, or an incomplete install).
    """
    path = resources_dir() / "icons" / "pages" / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"icon {path} is missing; reinstall the app")
    ink = color if color is not None else QGuiApplication.palette().color(
        QPalette.ColorRole.WindowText
    )
    selected = QGuiApplication.palette().color(QPalette.ColorRole.HighlightedText)
    renderer = QSvgRenderer(str(path))
    icon = QIcon()
    for size in (16, 20, 24, 32, 40, 48):
        for mode, colour in ((QIcon.Mode.Normal, ink), (QIcon.Mode.Selected, selected)):
            image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(0)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter, QRectF(0, 0, size, size))
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            painter.fillRect(image.rect(), colour)
            painter.end()
            icon.addPixmap(QPixmap.fromImage(image), mode)
    return icon


def guess_dark_panel() -> bool:
    """Guess whether the tray sits on a dark panel.

    Qt cannot see the panel, so this asks the lightness of the application palette,
    which the platform theme sets from the desktop's light or dark scheme. With no
    application at all it says dark, the common case for panels (GNOME, KDE Breeze
    Dark, Windows 11). (``QStyleHints.colorScheme()`` would say the same where it knows,
    but its answer is a ``Qt`` enum, and the first touch of the ``Qt`` namespace costs
    about 25 ms of a tray app's start.)
    """
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return True
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return window.lightness() < 128


def mode_icon(mode: Mode, held: int = 0, dark_panel: bool | None = None) -> QIcon:
    """The tray icon for ``mode``, with a badge when notifications are held.

    Args:
        mode: The mode to show.
        held: How many notifications are held; 0 draws no badge.
        dark_panel: Whether the panel behind the icon is dark. ``None`` guesses it
            with :func:`guess_dark_panel`.

    Returns:
        An icon with a pixmap for each of :data:`TRAY_SIZES`. Icons are cached, and
        every count above :data:`BADGE_MAX` shares one entry, so the cache stays small
        however the count changes.
    """
    if held < 0:
        raise ValueError(f"held must be 0 or more, got {held}")
    dark = guess_dark_panel() if dark_panel is None else dark_panel
    return _cached_mode_icon(Mode(mode), min(held, BADGE_MAX + 1), dark)


def render_mode_image(mode: Mode, size: int, held: int = 0, dark_panel: bool = True) -> QImage:
    """One size of a tray icon as a transparent ARGB image (for icons, tests, the docs sheet)."""
    # Transparent from zeroed bytes: ``QImage.fill``'s overload resolution would load the
    # whole ``Qt`` namespace (~25 ms of a tray app's start; see guess_dark_panel).
    image = QImage(
        bytes(size * size * 4), size, size, QImage.Format.Format_ARGB32_Premultiplied
    ).copy()
    renderer = QSvgRenderer(str(tray_svg_path(mode, dark_panel)))
    if not renderer.isValid():
        raise ValueError(f"broken icon file {tray_svg_path(mode, dark_panel)}; reinstall the app")
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, _glyph_rect(size))
    if held > 0:
        _paint_badge(painter, size, held, dark_panel)
    painter.end()
    return image


def clear_cache() -> None:
    """Forget rendered icons, e.g. after the icon files or the panel colours changed."""
    _cached_mode_icon.cache_clear()


def _glyph_rect(size: int) -> QRectF:
    """Where to draw the 16-unit glyph so its edges land on whole pixels.

    The glyphs sit on a 16 px grid with edges on even units, so 16, 24, 32, 48 and 64 px
    are crisp. 22 px (1.375x) would smear every edge; it is drawn at 24 px instead with
    the 1 px rim cropped off, which the glyphs' 2-unit margin leaves empty.
    """
    if size == 22:
        return QRectF(-1, -1, 24, 24)
    return QRectF(0, 0, size, size)


@functools.lru_cache(maxsize=128)
def _cached_mode_icon(mode: Mode, held: int, dark_panel: bool) -> QIcon:
    icon = QIcon()
    for size in TRAY_SIZES:
        icon.addPixmap(QPixmap.fromImage(render_mode_image(mode, size, held, dark_panel)))
    return icon


def _paint_badge(painter: QPainter, size: int, held: int, dark_panel: bool) -> None:
    """Paint the held-count badge in the bottom-right corner.

    Under 22 px a digit is a smudge, so the badge is a plain dot. Past
    :data:`BADGE_MAX` it reads ``9+`` where a pill fits (32 px and up) and ``+`` below,
    where a pill would hide the mode glyph. A transparent moat is cut around the badge
    first, so it stays apart from the glyph on any panel colour without knowing that colour.
    """
    fill, ink = (QColor(c) for c in _BADGE_INK[dark_panel])
    numbered = size >= _SMALLEST_NUMBERED_BADGE
    text = _badge_text(held, size)
    diameter = round(size * 0.45) if numbered else 6
    width = round(diameter * 1.45) if numbered and len(text) > 1 else diameter
    moat = max(1.0, size / 32)
    badge = QRectF(size - width, size - diameter, width, diameter)
    radius = diameter / 2

    from PySide6.QtCore import Qt  # only badges need it (see guess_dark_panel)

    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
    painter.setBrush(Qt.GlobalColor.black)
    painter.drawRoundedRect(badge.adjusted(-moat, -moat, moat, moat), radius + moat, radius + moat)
    painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
    painter.setBrush(fill)
    painter.drawRoundedRect(badge, radius, radius)
    if numbered:
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(8, round(diameter * (0.8 if len(text) == 1 else 0.72))))
        painter.setFont(font)
        painter.setPen(ink)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


def _badge_text(held: int, size: int) -> str:
    if held <= BADGE_MAX:
        return str(held)
    return f"{BADGE_MAX}+" if size >= 32 else "+"
