#!/usr/bin/env bash
# One command: set up (Debian packages, .venv) and start the app. Extra arguments go to focus-app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/focus-app "$@"
