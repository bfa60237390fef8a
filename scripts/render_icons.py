#!/usr/bin/env python3
"""Regenerate the raster icons from the SVGs in ``resources/icons``.

The SVGs are the source; the PNGs are committed so packagers and the PyInstaller bundle
need no SVG toolchain. Run this after editing an SVG:

    .venv/bin/python scripts/render_icons.py            # hicolor PNGs + docs/tray-icons.png
    .venv/bin/python scripts/render_icons.py --sheet /tmp/icons-sheet.png

It renders with Qt's own ``QSvgRenderer`` (in PySide6-Essentials), the same renderer the
app uses for the tray, so what the sheet shows is what the panel gets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

from focus_app import APP_NAME  # noqa: E402
from focus_app.core.model import Mode  # noqa: E402
from focus_app.ui.icons import APP_ICON_SIZES, render_mode_image  # noqa: E402

ICONS = REPO / "resources" / "icons"
SHEET_SIZES = (16, 22, 32, 64)
SHEET_HELD = (0, 3, 12)
PANELS = (("light", False, "#eeeeee"), ("dark", True, "#2b2b2b"))
GAP = 6
LABEL_W = 70


def render_app_icons() -> list[Path]:
    """Render ``focus-app.svg`` into every hicolor size and copy the SVG to ``scalable``."""
    source = ICONS / f"{APP_NAME}.svg"
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise SystemExit(f"error: {source} is not a valid SVG; fix it and run again")
    written = []
    for size in APP_ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        target = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target)):
            raise SystemExit(f"error: cannot write {target}; check the folder is writable")
        written.append(target)
    scalable = ICONS / "hicolor" / "scalable" / "apps" / f"{APP_NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, scalable)
    written.append(scalable)
    return written


def render_sheet(target: Path, scale: int) -> None:
    """Draw every mode × size × panel × badge on one sheet, scaled up without smoothing.

    Nearest-neighbour scaling keeps each source pixel a hard square, so blur and
    half-pixel edges are visible at a glance.
    """
    group_w = sum(SHEET_SIZES) + GAP * (len(SHEET_SIZES) + 1)
    row_h = max(SHEET_SIZES) + 2 * GAP
    head_h = 16
    width = LABEL_W + group_w * len(SHEET_HELD) * len(PANELS)
    height = head_h + row_h * len(Mode)
    sheet = QImage(width, height, QImage.Format.Format_ARGB32)
    sheet.fill(QColor("#888888"))
    painter = QPainter(sheet)
    font = QFont()
    font.setPixelSize(10)
    painter.setFont(font)
    x = LABEL_W
    for panel_name, dark, background in PANELS:
        for held in SHEET_HELD:
            painter.fillRect(x, 0, group_w, height, QColor(background))
            painter.setPen(QColor("#ffffff" if dark else "#000000"))
            painter.drawText(x + GAP, head_h - 4, f"{panel_name} panel, held={held}")
            for row, mode in enumerate(Mode):
                cx = x + GAP
                for size in SHEET_SIZES:
                    image = render_mode_image(mode, size, held, dark)
                    top = head_h + row * row_h + GAP + (max(SHEET_SIZES) - size) // 2
                    painter.drawImage(cx, top, image)
                    cx += size + GAP
            x += group_w
    painter.setPen(QColor("#000000"))
    for row, mode in enumerate(Mode):
        painter.drawText(GAP, head_h + row * row_h + row_h // 2 + 4, mode.value)
    painter.end()
    scaled = sheet.scaled(
        width * scale, height * scale, mode=Qt.TransformationMode.FastTransformation
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    if not scaled.save(str(target)):
        raise SystemExit(f"error: cannot write {target}; check the folder is writable")


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and render what it asks for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sheet",
        type=Path,
        default=REPO / "docs" / "tray-icons.png",
        help="where to write the tray-icon contact sheet",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=4,
        help="nearest-neighbour zoom of the contact sheet (default 4)",
    )
    parser.add_argument(
        "--sheet-only",
        action="store_true",
        help="only draw the contact sheet, leave the hicolor PNGs alone",
    )
    args = parser.parse_args(argv)
    _app = QGuiApplication.instance() or QGuiApplication([])
    if not args.sheet_only:
        for path in render_app_icons():
            print(path.relative_to(REPO))
    render_sheet(args.sheet, args.scale)
    print(args.sheet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
