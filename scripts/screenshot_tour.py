"""The screenshot tour: every page, dialog and the tray menu of the real app, light and dark.

Run from the repository root::

    python scripts/screenshot_tour.py [OUT_DIR]      # default docs/screenshots

It starts a private desktop (Xvfb, a session bus, dunst and trayer, the e2e harness's
``DesktopSession``) and runs the app inside it the way ``focus-app`` does
(``start_runtime`` and ``start_ui``: real store, real D-Bus notifier, real tray icon), on a
sample week with a few held notifications. A timer then walks the window: each page, the
block editor (new block, and a block drawn over another), the custom focus dialog, the
rule editor, the first-run guide, a request's "Add a request" and triage dialogs, the tray
menu and the whole screen with the tray. Then
the desktop's colour scheme is switched to dark while the app runs (the app must follow it
live) and everything is taken again. Files are ``<light|dark>-<name>.png``.

Look at every picture after a change to the window: ugly or confusing is a bug.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INNER = "--inner"


def outer(out_dir: Path) -> int:
    """Start the private desktop and run the tour inside it (a child process)."""
    sys.path.insert(0, str(ROOT))
    from tests.e2e.harness import DesktopSession

    out_dir.mkdir(parents=True, exist_ok=True)
    with DesktopSession(with_tray=True, screen="1400x900x24") as session:
        env = dict(session.env)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        )
        env["TZ"] = env.get("TZ", "Europe/Berlin")
        done = subprocess.run(
            [sys.executable, __file__, INNER, str(out_dir.resolve())],
            env=env,
            cwd=ROOT,
            timeout=300,
            check=False,
        )
        return done.returncode


def sample_week() -> list[object]:
    """A typical week: focus mornings, office hours, evenings off, and one overlap."""
    from focus_app.core.model import Block, BlockKind, Recurrence

    weekdays = Recurrence(weekdays=(0, 1, 2, 3, 4))
    return [
        Block(BlockKind.FOCUS, time(9), time(11, 30), "Deep work", recurrence=weekdays),
        Block(
            BlockKind.AVAILABLE,
            time(14),
            time(15),
            "Office hours",
            recurrence=Recurrence(weekdays=(1, 3)),
        ),
        Block(BlockKind.OFF, time(18, 30), time(23), "Evening off", recurrence=weekdays),
        Block(BlockKind.OFF, time(8), time(20), "Weekend", recurrence=Recurrence((5, 6))),
        Block(
            BlockKind.FOCUS,
            time(14, 30),
            time(16),
            "Quarterly report",
            on_date=date.today() + timedelta(days=(3 - date.today().weekday()) % 7),
        ),
        Block(BlockKind.AVAILABLE, time(12, 30), time(13, 15), "Lunch & mail", recurrence=weekdays),
    ]


def go_dark(app: object) -> None:
    """Turn the desktop dark while the app runs, as a desktop's settings panel would.

    Where Qt has a platform theme that knows the scheme, ``setColorScheme`` is enough. Under
    bare Xvfb it has none, so the dark palette a theme would send is set by hand: the app
    sees the same ``PaletteChange`` it gets from a real desktop.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QGuiApplication, QPalette

    QGuiApplication.styleHints().setColorScheme(Qt.ColorScheme.Dark)
    if QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128:
        return
    palette = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#2b2b2e"),
        (QPalette.ColorRole.WindowText, "#e8e8ea"),
        (QPalette.ColorRole.Base, "#1f1f22"),
        (QPalette.ColorRole.AlternateBase, "#29292d"),
        (QPalette.ColorRole.Text, "#e8e8ea"),
        (QPalette.ColorRole.Button, "#35353a"),
        (QPalette.ColorRole.ButtonText, "#e8e8ea"),
        (QPalette.ColorRole.Highlight, "#3d7be0"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, "#35353a"),
        (QPalette.ColorRole.ToolTipText, "#e8e8ea"),
        (QPalette.ColorRole.PlaceholderText, "#8a8a90"),
        (QPalette.ColorRole.Mid, "#45454b"),
        (QPalette.ColorRole.Midlight, "#3a3a40"),
        (QPalette.ColorRole.Dark, "#18181a"),
        (QPalette.ColorRole.Light, "#4a4a50"),
        (QPalette.ColorRole.Link, "#8ab4ff"),
    ):
        palette.setColor(role, QColor(color))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#7a7a80"))
    QGuiApplication.setPalette(palette)


def inner(out_dir: Path) -> int:
    """Run inside the private desktop: the app's own start-up, then the walk."""
    os.environ.setdefault("FOCUS_APP_NO_DESKTOP_GATE", "1")
    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QWidget

    from focus_app import APP_NAME, DISPLAY_NAME
    from focus_app.app import start_runtime
    from focus_app.core.model import Block, Mode, Notification
    from focus_app.desktop.instance import acquire
    from focus_app.ui.block_editor import BlockEditorDialog
    from focus_app.ui.override_dialog import OverrideDialog
    from focus_app.ui.settings_page import RuleEditorDialog, SettingsPage
    from focus_app.ui.shell import start_ui
    from focus_app.ui.triage_dialog import AddRequestDialog, TriageDialog
    from focus_app.ui.week_view import WeekView
    from focus_app.ui.welcome import WelcomeWizard

    lock = acquire()
    if lock is None:
        print("tour: another focus-app runs in this session", file=sys.stderr)
        return 1
    app = QApplication([APP_NAME])
    app.setQuitOnLastWindowClosed(False)
    app.setApplicationDisplayName(DISPLAY_NAME)
    app.setApplicationName(APP_NAME)
    runtime = start_runtime(lock)
    engine = runtime.engine
    if not engine.blocks():
        for block in sample_week():
            assert isinstance(block, Block)
            engine.add_block(block)
    engine.start_override(Mode.FOCUS, timedelta(minutes=50), "Writing the tour")
    now = engine.clock.now()
    for i, (sender, title, source) in enumerate(
        [
            ("Alice", "Lunch at 12:30?", "Chat"),
            ("CI", "Build #412 failed on main", "GitLab"),
            ("Bob", "Re: quarterly numbers", "Mail"),
            ("Newsletter", "This week in Python", "Mail"),
            ("Alice", "Also: bring the slides", "Chat"),
        ]
    ):
        engine.ingest(
            Notification(title, now - timedelta(minutes=40 - 7 * i), sender=sender, source=source)
        )
    if not engine.requests():
        engine.ask("Review the launch slides", "Dana", timedelta(minutes=45))
    ui = start_ui(runtime, welcome_file=out_dir / ".tour-welcome-done")
    shell = ui.shell
    tray = ui.tray
    window = shell.ensure_window()
    window.resize(1180, 760)
    window.show()
    written: list[Path] = []
    scheme = ["light"]

    def save(widget: QWidget, name: str) -> None:
        path = out_dir / f"{scheme[0]}-{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    def settle(ms: int = 250) -> None:
        app.processEvents()
        end = datetime.now() + timedelta(milliseconds=ms)
        while datetime.now() < end:
            app.processEvents()

    def dialog_shot(dialog: QWidget, name: str, prepare: Callable[[], None] | None = None) -> None:
        dialog.show()
        if prepare is not None:
            prepare()
        settle()
        save(dialog, name)
        dialog.close()
        dialog.deleteLater()

    def walk() -> None:
        window.raise_()
        for key in window.page_keys():
            window.show_page(key)
            settle(400)
            save(window, f"page-{key}")
        window.show_page("settings")
        settings = window.findChild(SettingsPage)
        if settings is not None:  # every tab of Settings, not only the first
            for tab_key in settings.tab_keys[1:]:
                settings.show_tab(tab_key)
                settle(300)
                save(window, f"page-settings-{tab_key}")
            settings.show_tab(settings.tab_keys[0])
        window.show_page("calendar")
        settle()
        blocks = engine.blocks()
        deep = next(b for b in blocks if b.title == "Deep work")
        dialog_shot(BlockEditorDialog(deep, window), "dialog-block-editor")
        office = next(b for b in blocks if b.title == "Office hours")
        view = window.findChild(WeekView)
        notes = view.overlap_notes if view is not None else None
        dialog_shot(BlockEditorDialog(office, window, overlap_notes=notes), "dialog-block-overlap")
        tz = engine.tz
        dialog_shot(
            OverrideDialog(Mode.FOCUS, engine.clock.now, tz, parent=window), "dialog-custom-focus"
        )
        dialog_shot(RuleEditorDialog(parent=window), "dialog-rule")
        wizard = WelcomeWizard(engine, state_path=out_dir / ".tour-welcome", parent=window)
        dialog_shot(wizard, "dialog-welcome")
        dialog_shot(
            AddRequestDialog(engine, who="Bob", what="Re: quarterly numbers", parent=window),
            "dialog-add-request",
        )
        dialog_shot(TriageDialog(engine, engine.requests()[0], parent=window), "dialog-triage")
        if tray is not None:
            tray.menu.popup(QPoint(900, 40))
            settle(400)
            save(tray.menu, "tray-menu")
            screen = QGuiApplication.primaryScreen()
            screen.grabWindow(0).save(str(out_dir / f"{scheme[0]}-desktop.png"))
            written.append(out_dir / f"{scheme[0]}-desktop.png")
            tray.menu.hide()
        settle()

    def run() -> None:
        try:
            walk()
            scheme[0] = "dark"
            go_dark(app)
            settle(500)
            walk()
        finally:
            for path in written:
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
            app.quit()

    QTimer.singleShot(1500, run)
    try:
        return app.exec()
    finally:
        del ui
        runtime.shutdown()


def main(argv: list[str]) -> int:
    if argv and argv[0] == INNER:
        return inner(Path(argv[1]))
    return outer(Path(argv[0]) if argv else ROOT / "docs" / "screenshots")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
