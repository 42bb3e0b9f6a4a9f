#!/usr/bin/env bash
# Runs tests/e2e.lua in a headless Neovim with isolated XDG directories and an outer timeout.
# The caller provides the server and the repository through the environment (see tests/e2e.lua):
#   RAILGUARD_E2E_FILE, RAILGUARD_E2E_LINE, RAILGUARD_E2E_INIT, RAILGUARD_LSP_CMD, RAILGUARD_E2E_OUT
# Exit codes: 0 pass, 1 timeout or failed check, 2 script error, 124 outer timeout.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/isolated.sh"

timeout "${RAILGUARD_E2E_OUTER_TIMEOUT:-90}" \
  "$nvim" --headless --clean -n -i NONE -u "$here/tests/e2e.lua" </dev/null
