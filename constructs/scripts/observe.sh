# shellcheck shell=sh
# The one plan-time read: `/bin/sh -c SCRIPT NAME PATH... -- PARENT... -- FILE...`.
# First it refuses symbolic links (at a managed path, or resolving a parent
# elsewhere) and fails the plan, naming them; then one `stat` of every path and one
# `sha256sum` of the files. Missing paths just drop out of stdout. Values arrive as
# arguments, never in the script text.
set -eu
set -f
paths="" parents="" files="" group=paths
for a; do
  if [ "$a" = "--" ]; then
    if [ "$group" = paths ]; then group=parents; else group=files; fi
    continue
  fi
  case $group in
    paths) paths="$paths $a" ;;
    parents) parents="$parents $a" ;;
    *) files="$files $a" ;;
  esac
done
found=""
for p in $paths; do
  if [ -L "$p" ]; then found="$found $p"; fi
done
for d in $parents; do
  if [ -d "$d" ] && { ! cd -P -- "$d" 2>/dev/null || [ "$PWD" != "$d" ]; }; then found="$found $d/"; fi
done
if [ -n "$found" ]; then
  fail "refusing to plan: these managed paths are (or go through) symbolic links:$found. Nothing was changed. Replace each link with the real directory or file (or remove it) and run again."
fi
cd /
stat -c 'S|%n|%F|%U|%G|%a' -- $paths 2>/dev/null || true
if [ -n "$files" ]; then sha256sum -- $files 2>/dev/null || true; fi
