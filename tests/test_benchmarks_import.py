"""The benchmarks are not run by the test suite (they take minutes), but they must keep
working as the code under them moves: every benchmark module imports, so a renamed or
moved name they use fails here and not the next time someone measures."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHMARKS = sorted(
    path.stem
    for path in (Path(__file__).parent.parent / "benchmarks").glob("*.py")
    if path.stem not in ("__init__", "__main__")
)


def test_there_are_benchmarks_to_check() -> None:
    assert "bench_caldav" in BENCHMARKS and len(BENCHMARKS) >= 10


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    assert module.__doc__, f"benchmarks/{name}.py says what it measures in its docstring"
