#!/bin/sh
# cdktf.json's app: synthesize with the compiled app, compiling first only when stale.
set -eu
cd "$(dirname "$0")/.."
sh tools/build-if-stale.sh
exec node dist/main.js
