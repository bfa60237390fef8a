"""``python -m focus_app`` and the ``focus-app`` console script."""

from __future__ import annotations

import sys


def main() -> int:
    args = sys.argv[1:]
    if args == ["--dnd-guardian"]:
        # A PyInstaller bundle has no ``-m``: the do-not-disturb guardian starts this way.
        from focus_app.desktop.dnd.guardian import main as guardian_main

        return guardian_main()
    if args in ([], ["--headless"]):
        # Starting the app is the common case: skip the command line's parser (about
        # 50 ms of imports and parser building, every start of a tray app at login).
        from focus_app.pyside_sources import read_sources_uncached

        read_sources_uncached()  # before PySide6 sees the app's imports: ~9.5 MB less
        from focus_app.app import run_app

        return run_app(headless=bool(args))
    from focus_app.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
