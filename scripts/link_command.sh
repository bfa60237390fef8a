#!/usr/bin/env bash
# Puts the `focus-app` command where a shell finds it: a symlink to .venv/bin/focus-app in
# /usr/local/bin (as root) or ~/.local/bin (as a user), then prints one line saying where it
# is and how to use it. An existing file that is not our symlink is left alone, and the line
# says how to run the app instead. FOCUS_APP_BIN_DIR and FOCUS_APP_VENV override the places.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${FOCUS_APP_VENV:-$PWD/.venv}
target="$venv/bin/focus-app"
if [ -n "${FOCUS_APP_BIN_DIR:-}" ]; then
  bin_dir=$FOCUS_APP_BIN_DIR
elif [ "$(id -u)" = 0 ]; then
  bin_dir=/usr/local/bin
else
  bin_dir=$HOME/.local/bin
fi
link="$bin_dir/focus-app"

if [ ! -x "$target" ]; then
  echo "focus-app: $target is missing; run 'bash scripts/bootstrap.sh' first" >&2
  exit 1
fi
mkdir -p "$bin_dir"
if [ -e "$link" ] && [ ! -L "$link" ]; then
  echo "focus-app: $link exists and is not ours, left alone; run the app as $target (e.g. '$target --help')"
  exit 0
fi
ln -sfn "$target" "$link"
case ":$PATH:" in
  *":$bin_dir:"*) how="type 'focus-app --help'" ;;
  *) how="add it to PATH with: export PATH=\"$bin_dir:\$PATH\" (or run $link --help)" ;;
esac
echo "focus-app: the command is $link (-> $target); $how; the README lists every command"
