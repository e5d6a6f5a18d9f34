#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring and a throwaway HOME, so
# tests use a real OS vault without touching the user's own keyring or app data.
set -euo pipefail

if [ -z "${CTIPREFS_TEST_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "the tests need $tool (Debian: apt-get install dbus gnome-keyring)" >&2; exit 1; }
  done
  CTIPREFS_TEST_SESSION=$(mktemp -d)
  export CTIPREFS_TEST_SESSION
  trap 'rm -rf "$CTIPREFS_TEST_SESSION"' EXIT
  dbus-run-session -- bash "$0" "$@"
  exit $?
fi

export HOME="$CTIPREFS_TEST_SESSION"
printf 'ctiprefs-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
exec "$@"
