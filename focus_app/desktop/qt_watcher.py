"""Qt glue: caught notifications as Qt signals on the GUI thread.

Like ``NotifierBridge``: a ``QSocketNotifier`` on the watcher's monitor socket, so there
is no thread and no polling. When one read stopped at the watcher's batch cap, a
zero-interval single shot reads on after the event loop has had its turn, so a flood
of notifications never freezes the windows.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from focus_app.desktop.watcher import Caught, NotificationWatcher, ServerIdKnown


class WatcherBridge(QObject):
    """Emits ``caught(CaughtNotification)`` and ``server_id_known(caller, serial, id)``.

    Start the watcher first (``NotificationWatcher.start``); a watcher that is not
    available leaves the bridge idle. When the connection is lost, the bridge stops
    watching and emits ``stopped(problem)`` once.

    Args:
        watcher: A started watcher; the bridge reads it from now on.
        parent: The usual QObject parent.
    """

    caught = Signal(object)
    server_id_known = Signal(str, int, int)
    stopped = Signal(str)

    def __init__(self, watcher: NotificationWatcher, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watcher = watcher
        self._socket_notifier: QSocketNotifier | None = None
        self._read_on = QTimer(self)
        self._read_on.setSingleShot(True)
        self._read_on.setInterval(0)
        self._read_on.timeout.connect(self._drain)
        fd = watcher.fileno()
        if fd is not None:
            notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            notifier.activated.connect(self._drain)
            self._socket_notifier = notifier
        if watcher.has_pending:
            self._read_on.start()

    @property
    def watching(self) -> bool:
        """Whether the watcher's socket is being watched."""
        return self._socket_notifier is not None

    def close(self) -> None:
        """Stop watching (the watcher itself stays open; close it separately)."""
        self._read_on.stop()
        self._detach()

    def _detach(self) -> None:
        if self._socket_notifier is not None:
            self._socket_notifier.setEnabled(False)
            self._socket_notifier.deleteLater()
            self._socket_notifier = None

    def _drain(self) -> None:
        if self._socket_notifier is None and not self._watcher.has_pending:
            return
        events = self._watcher.dispatch_pending()
        if self._socket_notifier is not None and self._watcher.fileno() is None:
            self._detach()
            self.stopped.emit(self._watcher.problem)
        for event in events:
            if isinstance(event, Caught):
                self.caught.emit(event.notification)
            elif isinstance(event, ServerIdKnown):
                self.server_id_known.emit(event.caller, event.serial, event.server_id)
        if self._watcher.has_pending:
            self._read_on.start()
