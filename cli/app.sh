#!/bin/sh
# cdktf.json's app: synthesize with the compiled app, compiling first only when stale.
# The staleness check is sourced (one shell less before node): it moves to the
# checkout's root from $0, which stays this script's path while sourcing ("sh app.sh"
# run from cli/ has no slash in it).
set -eu
# shellcheck disable=SC1091  # the path is $0's directory, known only at run time
case $0 in */*) . "${0%/*}/build-if-stale.sh" ;; *) . ./build-if-stale.sh ;; esac
exec node dist/main.js
