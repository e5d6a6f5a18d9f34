#!/usr/bin/env bash
# The test command (`npm test`): every suite runs inside a private D-Bus session with an unlocked
# gnome-keyring, so vault tests use a real OS vault without touching the user's own keyring.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CTIPREFS_TEST_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "npm test needs $tool (Debian: apt-get install dbus gnome-keyring)" >&2; exit 1; }
  done
  CTIPREFS_TEST_SESSION=$(mktemp -d)
  export CTIPREFS_TEST_SESSION
  trap 'rm -rf "$CTIPREFS_TEST_SESSION"' EXIT
  dbus-run-session -- bash "$0" "$@"
  exit $?
fi

# Inside the session: a throwaway HOME so the keyring and app data live in the temp folder.
export HOME="$CTIPREFS_TEST_SESSION"
printf 'ctiprefs-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1

if [ "$#" -gt 0 ]; then
  exec node_modules/.bin/vitest run "$@"
fi
node_modules/.bin/vitest run
