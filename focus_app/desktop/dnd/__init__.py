"""The desktop's own do-not-disturb: one driver per notification server, a controller
with the give-back rules, and a guardian process that gives it back after a crash.

Typical use (the engine's integrator)::

    controller = DndController(detect(), GuardianProcess(log_path=...))
    controller.want(mode_holds)          # on every mode change
    controller.status                    # "dunst" / "unsupported: <server>" / ...
    controller.give_back()               # on quit
"""
