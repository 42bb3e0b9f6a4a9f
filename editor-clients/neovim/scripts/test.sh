#!/usr/bin/env bash
# Pure Lua tests of the Neovim plugin, offline, with isolated XDG directories
# (conform.nvim's run_tests.sh habit). Finds nvim through $NVIM_BIN, then PATH.
# Usage: scripts/test.sh [tests/spec/foo_spec.lua ...]
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/isolated.sh"
unset RAILGUARD_URL RAILGUARD_TOKEN VIMINIT NVIM_APPNAME

cd "$here"
"$nvim" --version | head -n 1
exec timeout 120 "$nvim" --clean -l tests/run.lua "$@" </dev/null
