"""Focus & Boundaries: filters, priorities and limits for people who are reachable all the time."""

__version__ = "0.1.0"
APP_NAME = "focus-app"
APP_ID = "io.github.focus_boundaries.FocusApp"
DISPLAY_NAME = "Focus & Boundaries"
