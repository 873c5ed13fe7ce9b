# shellcheck shell=sh
# The one plan-time read: `/bin/sh -c SCRIPT NAME PATH... -- PARENT... -- FILE...`.
# First it refuses, failing the plan and naming them, symbolic links (at a managed
# path, or resolving a parent elsewhere) and anything but a regular file where a file
# belongs (a FIFO, socket or device would block or stream forever once opened: by this
# read, or by the provider's refresh, which waits for this read). Then one `stat` of
# every path (type, owner, group, mode, link count), one `ls` for POSIX ACLs, and the
# sha256 of each file, read without blocking. Missing paths just drop out of stdout.
# Values arrive as arguments, never in the script text.
#
# stdout: `S|PATH|TYPE|OWNER|GROUP|MODE|LINKS` per path, `A|PATH` per path or parent with an ACL,
# `SHA256  PATH` per file.
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
special=""
for f in $files; do
  if [ -e "$f" ] && [ ! -f "$f" ]; then special="$special $f"; fi
done
if [ -n "$special" ]; then
  fail "refusing to plan: where a managed file belongs there is something else (a FIFO, socket, device or directory), which is never opened:$special. Nothing was read or changed. Move each out of the tree (it may be someone's) and run again."
fi
cd /
# shellcheck disable=SC2086 # validated paths, split on purpose
stat -c 'S|%n|%F|%U|%G|%a|%h' -- $paths 2>/dev/null || true
# shellcheck disable=SC2086 # parents too: a new directory inherits a parent's default ACL
acl_paths $paths $parents
for p in $acl; do echo "A|$p"; done
for f in $files; do
  if [ -f "$f" ]; then
    content_sha256 "$f"
    echo "$sha256  $f"
  fi
done
