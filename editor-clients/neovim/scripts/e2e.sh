#!/usr/bin/env bash
# Runs tests/e2e.lua in a headless Neovim with isolated XDG directories and an outer timeout.
# The caller provides the server and the repository through the environment (see tests/e2e.lua):
#   RAILGUARD_E2E_FILE, RAILGUARD_E2E_LINE, RAILGUARD_E2E_INIT, RAILGUARD_LSP_CMD, RAILGUARD_E2E_OUT
# Exit codes: 0 pass, 1 timeout or failed check, 2 script error, 124 outer timeout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nvim="${NVIM_BIN:-$(command -v nvim || true)}"
if [[ -z "$nvim" || ! -x "$nvim" ]]; then
  echo "nvim not found: set NVIM_BIN or put nvim on PATH" >&2
  exit 127
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
  XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"

timeout "${RAILGUARD_E2E_OUTER_TIMEOUT:-90}" \
  "$nvim" --headless --clean -n -i NONE -u "$here/tests/e2e.lua" </dev/null
