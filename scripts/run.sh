#!/usr/bin/env bash
# One command: set up (Debian packages, .venv), put `focus-app` on the PATH, start the app.
# Extra arguments go to focus-app.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/link_command.sh
exec .venv/bin/focus-app "$@"
