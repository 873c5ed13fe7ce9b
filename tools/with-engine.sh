#!/usr/bin/env bash
# Runs a command with the offline engine environment (see tools/setup.sh):
# TF_CLI_CONFIG_FILE pointing at the filesystem mirror, the engine on PATH,
# no calls home. Runs setup first; when everything is cached that takes a second.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${CUTTER_CACHE_DIR:-$HOME/.cache/cutter-runtime}
CUTTER_SETUP_QUIET=${CUTTER_SETUP_QUIET-1} bash "$here/setup.sh"
# shellcheck disable=SC1091
. "$cache/env"
export FORCE_COLOR=${FORCE_COLOR:-0}
exec "$@"
