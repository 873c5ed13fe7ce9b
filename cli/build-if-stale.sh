#!/bin/sh
# Compiles (tsc) only when a source is newer than the last build; a fresh clone has
# no dist/ and builds. `tsc` costs about 2 s even when nothing changed; this check
# costs milliseconds (one `find`, stopping at the first newer file). Used by
# cdktf.json's app (cli/app.sh sources it) and the npm scripts.
set -eu
case $0 in */*) cd "${0%/*}/.." ;; *) cd .. ;; esac
stamp=dist/.app-build-stamp
if [ ! -f dist/main.js ] || [ ! -f "$stamp" ] \
  || [ -n "$(find main.ts constructs app cli dev bench pins schema tsconfig.json package.json package-lock.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  mkdir -p dist
  # Stamped with the time the build started: an edit made during it still counts as newer.
  touch "$stamp.$$"
  npm run --silent build
  mv "$stamp.$$" "$stamp"
fi
