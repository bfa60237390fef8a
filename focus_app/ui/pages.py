"""The main window's pages over a running engine, built the first time they are shown.

Building the week view, the inbox and the settings form costs start-up time and memory that a
tray app which mostly sits in the tray should not pay; :class:`LazyPage` builds its page
on first show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from focus_app.core.model import Block, Override
from focus_app.engine import Engine

if TYPE_CHECKING:
    from focus_app.commands import Commands


class LazyPage(QWidget):
    """A page whose real widget is created by ``factory`` the first time it is shown."""

    def __init__(self, factory: Callable[[], QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._factory: Callable[[], QWidget] | None = factory
        self._content: QWidget | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def content(self) -> QWidget:
        """The real page (built now if it was not yet)."""
        if self._content is None:
            assert self._factory is not None
            self._content = self._factory()
            self._factory = None
            self._layout.addWidget(self._content)
        return self._content

    @property
    def is_built(self) -> bool:
        return self._content is not None

    def showEvent(self, event: QShowEvent) -> None:
        _ = self.content
        super().showEvent(event)


class EngineBlocks:
    """The calendar's ``BlockRepository`` over the engine (persisted, scheduled at once)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def blocks(self) -> list[Block]:
        return self._engine.blocks()

    def add_block(self, block: Block) -> Block:
        return self._engine.add_block(block)

    def update_block(self, block: Block) -> Block:
        return self._engine.update_block(block)

    def remove_block(self, block_id: int) -> None:
        self._engine.remove_block(block_id)

    def override(self) -> Override | None:
        return self._engine.override()

    def tz(self) -> tzinfo:
        return self._engine.tz


def build_calendar_page(engine: Engine) -> QWidget:
    """The week page; follows block and override changes made elsewhere (CLI, tray)."""
    from focus_app.ui.calendar_model import CalendarController
    from focus_app.ui.commitments_overlay import Commitment
    from focus_app.ui.week_page import WeekPage

    controller = CalendarController(EngineBlocks(engine))
    page = WeekPage(controller, now_provider=engine.clock.now)
    page.view.snap_minutes = engine.settings.snap_minutes
    page.view.day_starts_hour = engine.settings.day_starts_hour

    def apply_settings() -> None:
        page.view.snap_minutes = engine.settings.snap_minutes
        page.view.day_starts_hour = engine.settings.day_starts_hour
        controller.refresh()

    page.view.commitments.source = lambda start, end: [
        Commitment(r.what, r.who, r.booked_start, r.booked_end)
        for r in engine.commitments(start, end)
        if r.booked_start is not None and r.booked_end is not None
    ]
    engine.requests_changed.connect(page.view.commitments.refresh)
    engine.blocks_changed.connect(controller.refresh)
    engine.state_changed.connect(controller.refresh)
    engine.settings_changed.connect(apply_settings)
    controller.setParent(page)  # lives as long as the page
    return page


def build_inbox_page(engine: Engine) -> QWidget:
    from focus_app.ui.inbox_page import InboxPage

    return InboxPage(engine)


def build_history_page(engine: Engine) -> QWidget:
    from focus_app.ui.history_page import HistoryPage

    return HistoryPage(engine)


def build_requests_page(engine: Engine, commands: Commands | None = None) -> QWidget:
    """The requests page; with the app's ``commands``, a contact's calendar is followed."""
    from focus_app.ui.requests_page import RequestsPage

    return RequestsPage(engine, follow=None if commands is None else commands.following)


def build_settings_page(engine: Engine, commands: Commands | None = None) -> QWidget:
    """The settings page; with the app's ``commands``, its Calendars section too."""
    from focus_app.ui.settings_page import SettingsPage

    return SettingsPage(engine, commands=commands)
