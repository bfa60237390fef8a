"""Qt glue: notification action clicks as a Qt signal on the GUI thread.

The D-Bus connection is a plain socket; a ``QSocketNotifier`` on it lets Qt's event loop
tell us when a signal arrived, so there is no thread and no polling timer (idle cost
zero). The only timer is a zero-interval single shot used to drain actions that were
queued outside the event loop (during a blocking ``notify`` call, or by a fake) without
re-entering the caller of ``notify``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from focus_app.desktop.notifier import ActionSource


class NotifierBridge(QObject):
    """Emits ``action_invoked(server_id, action_key)`` for each notification action.

    Also ``delivery_reported(DeliveryReport)`` for each late answer to a ``notify`` that
    returned a token (a slow server finally refused or accepted it), and
    ``server_appeared()`` when a notification server took the bus name (retry failed
    deliveries now). All three come from the same socket reads on the GUI thread.

    Works with any ``ActionSource`` (``DBusNotifier``, ``MemoryNotifier``). It follows
    reconnects: the source's wakeup callback makes it re-read ``fileno()`` and move its
    socket notifier to the new connection.

    Args:
        notifier: Where actions come from; the bridge takes over its wakeup callback.
        parent: The usual QObject parent.
    """

    action_invoked = Signal(int, str)
    delivery_reported = Signal(object)
    server_appeared = Signal()

    def __init__(self, notifier: ActionSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notifier = notifier
        self._socket_notifier: QSocketNotifier | None = None
        self._fd: int | None = None
        self._drain_soon = QTimer(self)
        self._drain_soon.setSingleShot(True)
        self._drain_soon.setInterval(0)
        self._drain_soon.timeout.connect(self._drain)
        notifier.set_wakeup(self._on_wakeup)
        self._attach()

    @property
    def watching(self) -> bool:
        """Whether a socket is being watched (the notifier is connected)."""
        return self._socket_notifier is not None

    def close(self) -> None:
        """Stop watching and release the notifier's wakeup callback."""
        self._notifier.set_wakeup(None)
        self._drain_soon.stop()
        self._detach()

    def _on_wakeup(self) -> None:
        self._attach()
        self._drain_soon.start()

    def _attach(self) -> None:
        fd = self._notifier.fileno()
        if fd == self._fd and (fd is None) == (self._socket_notifier is None):
            return
        self._detach()
        if fd is not None:
            notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            notifier.activated.connect(self._drain)
            self._socket_notifier = notifier
            self._fd = fd

    def _detach(self) -> None:
        if self._socket_notifier is not None:
            self._socket_notifier.setEnabled(False)
            self._socket_notifier.deleteLater()
            self._socket_notifier = None
        self._fd = None

    def _drain(self) -> None:
        actions = self._notifier.dispatch_pending()
        self._attach()  # reading may have found the connection closed
        reports = self._notifier.take_reports()
        appeared = self._notifier.take_server_appeared()
        for report in reports:
            self.delivery_reported.emit(report)
        if appeared:
            self.server_appeared.emit()
        for server_id, key in actions:
            self.action_invoked.emit(server_id, key)
