"""Run every benchmark: ``python -m benchmarks`` (from the repository root).

Each prints its figures next to its target and the baseline the issue names; the exit
status is non-zero if any target is missed.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "bench_schedule", "bench_gate", "bench_ipc", "bench_week_view", "bench_tray", "bench_watcher",
    "bench_ics",
    "bench_history",
    "bench_review",
    "bench_desktop_gate",
    "bench_inbox_flood",
    "bench_boundaries",
]


def main() -> int:
    only = sys.argv[1:] or BENCHMARKS
    failed = []
    for name in only:
        print(f"\n=== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        try:
            status = module.main([]) if _takes_argv(module.main) else module.main()
        except SystemExit as exc:
            status = exc.code
        if status:
            failed.append(name)
    print(f"\n{len(only) - len(failed)} of {len(only)} benchmarks met their targets"
          + (f"; missed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def _takes_argv(func: object) -> bool:
    import inspect

    return bool(inspect.signature(func).parameters)  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
