"""Everything that talks to the desktop, each behind a small port with an in-memory fake.

* ``notifier``: showing notifications (freedesktop ``Notify`` over jeepney), and
  ``qt_notifier`` its Qt glue for action clicks;
* ``dbus_signals``: receiving D-Bus signals without blocking the GUI thread;
* ``sleepwatch``: suspend/resume and clock changes;
* ``autostart``: the login autostart entry;
* ``instance``: one app per user session.
"""
