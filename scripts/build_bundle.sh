#!/usr/bin/env bash
# Builds the PyInstaller one-folder bundle (dist/focus-app/) from build.spec and smoke-tests
# the bundled program: --version, a headless engine answering status and send, the windowed
# app on the offscreen Qt platform (and on xcb under Xvfb when Xvfb is installed), and the
# bundle's size. Exits non-zero on the first thing that is wrong, saying what it was.
# Usage: scripts/build_bundle.sh          (FOCUS_APP_MAX_BUNDLE_MB overrides the 150 MB limit)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=dist/focus-app/focus-app
PY=.venv/bin/python
MAX_MB=${FOCUS_APP_MAX_BUNDLE_MB:-150}
APP_PID=""

fail() {
  echo "build_bundle: FAIL: $*" >&2
  if [ -n "$APP_PID" ]; then kill -KILL "$APP_PID" 2>/dev/null || true; fi
  exit 1
}

# Starts the bundled program with the given arguments and waits until it answers `status`.
start_app() {
  local label=$1; shift
  APP_LOG="$SMOKE_DIR/app-$label.log"
  "$BIN" "$@" >"$APP_LOG" 2>&1 &
  APP_PID=$!
  for _ in $(seq 150); do
    if "$BIN" status >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$APP_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$APP_LOG" >&2
  fail "$label: 'focus-app status' got no answer within 15 s of starting '$BIN $*'"
}

# SIGTERM must end the program cleanly (exit 0) within 10 s, without Qt plugin errors.
stop_app() {
  local label=$1 rc=0
  kill -TERM "$APP_PID"
  for _ in $(seq 100); do
    kill -0 "$APP_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$APP_PID" 2>/dev/null; then
    cat "$APP_LOG" >&2
    fail "$label: still running 10 s after SIGTERM (its output is above)"
  fi
  wait "$APP_PID" || rc=$?
  APP_PID=""
  [ "$rc" = 0 ] || { cat "$APP_LOG" >&2; fail "$label: exited with status $rc after SIGTERM"; }
  if grep -E "Could not (load|find) the Qt platform plugin|Cannot load library|qt\.qpa\.plugin" \
      "$APP_LOG" >&2; then
    fail "$label: Qt could not load a plugin from the bundle (above)"
  fi
  echo "build_bundle: $label: ok"
}

# `status --json` must carry the fields scripts rely on (DESIGN.md, command line).
check_status_json() {
  "$BIN" status --json | "$PY" -c '
import json, sys
status = json.load(sys.stdin)
missing = {"mode", "source", "until", "held", "next_transition"} - status.keys()
if missing:
    sys.exit(f"status --json lacks {sorted(missing)}: {status}")
mode, source, held = status["mode"], status["source"], status["held"]
print(f"  status: mode={mode} source={source} held={held}")
' || fail "$1: 'focus-app status --json' did not answer as documented"
}

gui_smoke() {
  local label=$1
  start_app "$label"
  check_status_json "$label"
  stop_app "$label"
}

# Runs inside a private D-Bus session (and a throwaway Xvfb display when Xvfb is installed),
# so nothing reaches the developer's own desktop: no notification pops up on it and no tray
# icon appears on its panel. Under Xvfb the bus can start dunst, so `send` is delivered
# through the bundled jeepney all the way to a real notification server.
smoke() {
  local display=${DISPLAY:-}
  (unset DISPLAY WAYLAND_DISPLAY; start_app headless --headless
   "$BIN" send "smoke" --json | "$PY" -c '
import json, sys
answer = json.load(sys.stdin)
decision, reason = answer.get("decision"), answer.get("reason", "")
if decision not in {"delivered", "held", "muted"}:
    sys.exit(f"send --json gave no decision: {answer}")
print(f"  send: decision={decision} ({reason})")
' || fail "headless: 'focus-app send smoke --json' did not answer with a decision"
   check_status_json headless
   stop_app headless)

  (unset DISPLAY WAYLAND_DISPLAY; export QT_QPA_PLATFORM=offscreen; gui_smoke offscreen-window)

  if [ -n "$display" ]; then
    (export QT_QPA_PLATFORM=xcb; gui_smoke xcb-window)
  else
    echo "build_bundle: xcb-window: not run (Xvfb is not installed; apt install xvfb xauth)"
  fi
}

case "${1:-}" in
  __smoke) smoke; exit 0 ;;
  "") ;;
  *) echo "usage: scripts/build_bundle.sh" >&2; exit 2 ;;
esac

bash scripts/bootstrap.sh --build
version=$("$PY" -c 'import focus_app; print(focus_app.__version__)')

echo "build_bundle: building focus-app $version with PyInstaller"
started=$SECONDS
.venv/bin/pyinstaller --noconfirm --clean build.spec
build_seconds=$((SECONDS - started))

[ -x "$BIN" ] || fail "$BIN was not built"
got=$("$BIN" --version) || fail "'$BIN --version' exited with an error"
[ "$got" = "focus-app $version" ] || fail "'$BIN --version' printed '$got', expected 'focus-app $version'"
echo "build_bundle: --version: $got"

# The do-not-disturb guardian runs as "focus-app --dnd-guardian" in the bundle, and rebuilds
# the driver it is armed with by importing it by name: every driver must be in the bundle.
"$BIN" --dnd-guardian </dev/null || fail "'$BIN --dnd-guardian' with nothing to guard failed"
for driver in dunst xfce4-notifyd gnome-shell kde-plasma swaync mako; do
  out=$(printf '{"op":"arm","spec":{"driver":"%s","bus":"unix:path=/nonexistent"},"restore":false}\n' \
    "$driver" | "$BIN" --dnd-guardian 2>&1 || true)
  if echo "$out" | grep -qiE "no module|unknown do-not-disturb driver|Traceback"; then
    fail "the guardian cannot load the $driver driver from the bundle: $out"
  fi
done
echo "build_bundle: --dnd-guardian: every driver loads"

SMOKE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/focus-app-bundle-smoke.XXXXXX")
trap 'rm -rf "$SMOKE_DIR"' EXIT
export SMOKE_DIR
export XDG_CONFIG_HOME="$SMOKE_DIR/config" XDG_DATA_HOME="$SMOKE_DIR/data"
export XDG_STATE_HOME="$SMOKE_DIR/state" XDG_CACHE_HOME="$SMOKE_DIR/cache"
export XDG_RUNTIME_DIR="$SMOKE_DIR/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
bus=(env -u DBUS_SESSION_BUS_ADDRESS)
if command -v dbus-run-session >/dev/null 2>&1; then
  bus=(dbus-run-session --)
else
  echo "build_bundle: no dbus-run-session (apt install dbus): smoke runs without a session bus"
fi
display=(env -u DISPLAY -u WAYLAND_DISPLAY)  # never the developer's own screen
if command -v xvfb-run >/dev/null 2>&1; then
  display+=(xvfb-run -a -s "-screen 0 1280x800x24")
fi
"${display[@]}" "${bus[@]}" bash "$0" __smoke 2> >(grep -v "Failed to set fd limit" >&2)

size_mb=$(du -sm dist/focus-app | cut -f1)
echo "build_bundle: bundle: $(du -sh dist/focus-app | cut -f1) in dist/focus-app" \
  "(${size_mb} MiB, limit ${MAX_MB}); build took ${build_seconds} s"
[ "$size_mb" -le "$MAX_MB" ] \
  || fail "the bundle is ${size_mb} MiB, over ${MAX_MB}: see docs/packaging.md for what to exclude"
echo "build_bundle: ok"
