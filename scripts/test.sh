#!/usr/bin/env bash
# One command: set up (Debian packages, .venv) and run every check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
. .venv/bin/activate
echo "== ruff"; ruff check focus_app tests benchmarks
echo "== mypy --strict focus_app/core"; mypy --strict focus_app/core
echo "== PyInstaller bundle: build, --version, headless and window smoke, size"
bash scripts/build_bundle.sh
echo "== pytest"; python -m pytest "$@"
