#!/bin/sh
# Baseline 1, the floor: the same tree with plain shell, no engine at all.
#   floor.sh deploy  ROOT OWNER GROUP DIRMODE FILEMODE FILES_DIR DIR...
#   floor.sh destroy ROOT OWNER GROUP DIRMODE FILEMODE FILES_DIR DIR...
# FILES_DIR holds the files to place in ROOT (same bytes as the stack writes).
set -eu
verb=$1 root=$2 owner=$3 group=$4 dmode=$5 fmode=$6 files=$7
shift 7
case $verb in
  deploy)
    install -d -o "$owner" -g "$group" -m "$dmode" -- "$root"
    for d in "$@"; do install -d -o "$owner" -g "$group" -m "$dmode" -- "$root/$d"; done
    for f in "$files"/*; do
      t=$root/$(basename "$f")
      cat -- "$f" >"$t"
      chown -- "$owner:$group" "$t"
      chmod -- "$fmode" "$t"
    done ;;
  destroy)
    for f in "$files"/*; do rm -f -- "$root/$(basename "$f")"; done
    for d in "$@"; do [ ! -d "$root/$d" ] || rmdir -- "$root/$d"; done
    [ ! -d "$root" ] || rmdir -- "$root" ;;
  *) echo "floor.sh: unknown verb $verb (deploy|destroy)" >&2; exit 2 ;;
esac
