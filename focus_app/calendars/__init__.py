"""Calendars: iCalendar files through ``icalendar`` (reading, writing, import plans).

Subscriptions and CalDAV (issue 12, items 3 and 4) plug in here: they read with
:func:`import_ics`, plan with :func:`plan_import` against the blocks of their own
``source_calendar`` and apply with ``Engine.import_blocks``.
"""

from focus_app.calendars.plan import FILE_CALENDAR, ImportPlan, plan_import
from focus_app.calendars.reading import ImportOptions, ImportResult, import_ics
from focus_app.calendars.writing import PRODID, export_ics

__all__ = [
    "FILE_CALENDAR",
    "PRODID",
    "ImportOptions",
    "ImportPlan",
    "ImportResult",
    "export_ics",
    "import_ics",
    "plan_import",
]
