"""Keep PySide6 from holding the source text of every imported module in memory.

Once ``shiboken6`` is imported it checks every module imported after it for the text
"PySide6" (``shibokensupport.feature._mod_uses_pyside``: which modules may use
``from __feature__ import snake_case``). It reads the source with ``inspect.getsource``,
which goes through ``linecache``, and ``linecache`` keeps every line of every file it
read for the life of the process: ~110,000 lines of ~220 files (the app, the standard
library, APScheduler, jeepney), ~9.5 MB of a tray app's ~90 MB idle memory. Emptying the
cache afterwards gives back almost nothing: the lines sit between the code objects
imported at the same time, so the heap cannot shrink (``docs/benchmarks.md``).

:func:`read_sources_uncached` gives PySide6 the same answer from the module's loader,
which reads the file without caching it. Tracebacks still show source lines: ``linecache``
reads them when a traceback is printed, as it does without PySide6.
"""

from __future__ import annotations

import importlib
import linecache
import logging
from types import ModuleType

log = logging.getLogger(__name__)

_FEATURE_MODULE = "shibokensupport.feature"
_CHECK = "_mod_uses_pyside"


def mentions_pyside(module: ModuleType) -> bool:
    """Whether the source of ``module`` contains "PySide6", read without ``linecache``.

    The answer of PySide6's own check: ``False`` where the source cannot be had
    (extension, frozen or namespace modules, an unreadable or undecodable file).
    """
    loader = getattr(module, "__loader__", None)
    get_source = getattr(loader, "get_source", None)
    if get_source is None:
        return False
    try:
        source = get_source(module.__name__)
    except Exception:  # whatever a loader raises, PySide6's check answered False
        return False
    return isinstance(source, str) and "PySide6" in source


def read_sources_uncached() -> bool:
    """Replace PySide6's source check before the app's modules are imported.

    Call it before anything imports PySide6 (``python -m focus_app`` does, first thing).
    Imports ``shiboken6``; does nothing where PySide6 has no such check (another
    version): that costs memory, never a feature.

    Returns:
        Whether the check was replaced.
    """
    try:
        importlib.import_module("shiboken6")
        feature = importlib.import_module(_FEATURE_MODULE)
    except ImportError:
        return False
    if not callable(getattr(feature, _CHECK, None)):
        log.debug("%s has no %s; module sources stay cached", _FEATURE_MODULE, _CHECK)
        return False
    setattr(feature, _CHECK, mentions_pyside)
    linecache.clearcache()  # what shiboken6 read of itself before the check was replaced
    return True
