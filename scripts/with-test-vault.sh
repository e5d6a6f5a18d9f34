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
control="$HOME/keyring-control"
start_keyring() {
  printf 'ctiprefs-test' | gnome-keyring-daemon --replace --unlock --components=secrets --control-directory "$control" >/dev/null 2>&1
}
start_keyring
# The keyring daemon has been seen to quit in the middle of a long, loaded run; D-Bus would then start a
# locked one on the next call, and every later vault test would fail. Start ours again, unlocked, instead.
main=$$
(
  while kill -0 "$main" 2>/dev/null; do
    sleep 0.5
    if kill -0 "$main" 2>/dev/null && ! pgrep -f -- "--control-directory $control" >/dev/null; then
      echo "with-test-vault: gnome-keyring-daemon quit; starting it again, unlocked" >&2
      start_keyring
    fi
  done
) &
exec "$@"
