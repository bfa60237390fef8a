#!/usr/bin/env bash
# Sets up everything the app and its tests need on a fresh Debian machine (as root, or with sudo):
# Debian packages for Qt and the end-to-end tests, and a virtualenv in .venv with the package.
# Usage: scripts/bootstrap.sh [--test] [--build]
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0; want_build=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --build) want_build=1 ;;
    *) echo "bootstrap: unknown option $arg (use --test or --build)" >&2; exit 2 ;;
  esac
done

QT_DEBS="libegl1 libgl1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libdbus-1-3 libfontconfig1 fonts-dejavu-core python3-venv"
TEST_DEBS="xvfb gnome-keyring trayer dunst dbus-x11 dbus xdotool imagemagick x11-utils desktop-file-utils appstream
  libnotify-bin xfce4-notifyd xfconf dconf-cli dconf-service gsettings-desktop-schemas libglib2.0-bin
  python3-gi gir1.2-glib-2.0 faketime libfaketime sway sway-notification-center mako-notifier
  libwayland-client0 libwayland-cursor0 libwayland-egl1 grim"

debs="$QT_DEBS"
[ "$want_test" = 1 ] && debs="$debs $TEST_DEBS"
missing=$(for p in $debs; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "bootstrap: installing Debian packages: $(echo $missing)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extras=""
[ "$want_test" = 1 ] && extras="test"
[ "$want_build" = 1 ] && extras="${extras:+$extras,}build"
spec="."; [ -n "$extras" ] && spec=".[$extras]"
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-${extras:-base}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  # The build backend's notes (e.g. setuptools on editable installs) go to a log, so a run
  # prints what matters; the log is shown when the install fails.
  if ! .venv/bin/python -m pip install -q -e "$spec" >.venv/install.log 2>&1; then
    cat .venv/install.log >&2
    echo "bootstrap: installing the Python packages failed (above; also in .venv/install.log)" >&2
    exit 1
  fi
  touch "$stamp"
fi
