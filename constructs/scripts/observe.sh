# shellcheck shell=sh
# The one plan-time read: `/bin/sh -c SCRIPT NAME PATH... -- PARENT... -- FILE... [-- RECORD_DIR KEY...]`.
# First it refuses, failing the plan and naming them, symbolic links (at a managed
# path, or resolving a parent elsewhere) and anything but a regular file where a file
# belongs (a FIFO, socket or device would block or stream forever once opened: by this
# read, or by the provider's refresh, which waits for this read). Then one `stat` of
# every path (type, owner, group, mode, link count), one `ls` for POSIX ACLs, and the
# sha256 of each file, read without blocking. Missing paths just drop out of stdout.
# Values arrive as arguments, never in the script text.
#
# With the record directory and each path's record key (in the order of the paths), it
# also says which paths the ownership records name: a missing path the stack recorded
# was removed behind its back (drift); one it never recorded is just not there yet.
#
# stdout: `S|PATH|TYPE|OWNER|GROUP|MODE|LINKS` per path, `A|PATH` per path or parent with an ACL,
# `SHA256  PATH` per file, `R|PATH` per path with an ownership record.
set -eu
set -f
paths="" parents="" files="" keys="" record_dir="" group=paths
for a; do
  if [ "$a" = "--" ]; then
    case $group in paths) group=parents ;; parents) group=files ;; *) group=records ;; esac
    continue
  fi
  case $group in
    paths) paths="$paths $a" ;;
    parents) parents="$parents $a" ;;
    files) files="$files $a" ;;
    *) if [ -z "$record_dir" ]; then record_dir=$a; else keys="$keys $a"; fi ;;
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
# Which paths the records name (a test per path, no process; an unreadable record
# directory names none, which only means no path counts as removed behind our back).
if [ -n "$record_dir" ]; then
  # shellcheck disable=SC2086 # record keys are hex, split on purpose
  set -- $keys
  for p in $paths; do
    [ $# -gt 0 ] || break
    if [ -f "$record_dir/$1" ]; then echo "R|$p"; fi
    shift
  done
fi
