#!/usr/bin/env bash
# `npm run test:e2e`: Playwright against the browser preview and the lab, inside a private D-Bus session with
# an unlocked gnome-keyring (the keystore password goes to a real OS vault) and a throwaway HOME.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${CTIPREFS_E2E_SESSION:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null || { echo "test:e2e needs $tool (Debian: apt-get install dbus gnome-keyring)" >&2; exit 1; }
  done
  CTIPREFS_E2E_SESSION=$(mktemp -d)
  export CTIPREFS_E2E_SESSION
  trap 'rm -rf "$CTIPREFS_E2E_SESSION"' EXIT
  dbus-run-session -- bash "$0" "$@"
  exit $?
fi

export HOME="$CTIPREFS_E2E_SESSION"
printf 'ctiprefs-e2e' | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
exec node_modules/.bin/playwright test -c test/e2e/playwright.config.ts "$@"
