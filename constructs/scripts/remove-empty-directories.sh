# shellcheck shell=sh
# Removes each directory only while it is empty and only if the stack created it;
# adopted ones are left in place, and so are those a newer resource claimed (the
# record names the resource id that created or repaired a path last: should an
# engine ever run this for an object replaced create-before-destroy, it still
# removes nothing the replacement manages). Every path is tried; anything that stops one is
# listed and fails the destroy at the end (the destroy guard normally stops it earlier).
set -eu
set -f
kept=0
keep() { echo "cutter-runtime: $*" >&2; kept=$((kept + 1)); }
set -- $CUTTER_ENTRIES
while [ $# -gt 0 ]; do
  p=$1 parent=$2 name=$3 key=$4
  shift 4
  record_of "$key"
  if [ -n "$owner_id" ] && [ "$owner_id" != "$CUTTER_INSTANCE" ]; then
    echo "cutter-runtime: leaving $p in place: a newer resource of this stack manages it"
    continue
  fi
  if [ "$owned" = "adopted" ]; then
    echo "cutter-runtime: leaving $p in place: it existed before this stack and was adopted"
    forget "$key"
    continue
  fi
  if [ ! -d "$parent" ] && [ ! -L "$parent" ]; then forget "$key"; continue; fi
  cd -P -- "$parent" 2>/dev/null && [ "$PWD" = "$parent" ] || { keep "refusing to remove $p: $parent is not the real directory (a symbolic link in the path?); nothing in it was removed"; continue; }
  if [ -L "$name" ]; then keep "refusing to remove $p: it is a symbolic link; nothing was removed"; continue; fi
  if [ ! -e "$name" ]; then forget "$key"; continue; fi
  if [ ! -d "$name" ]; then keep "refusing to remove $p: it is not a directory; nothing was removed"; continue; fi
  count_entries "$name"
  if [ "$entries" -ne 0 ]; then keep "refusing to remove $p: it holds $entries entries. Nothing in it was touched; move the data out (or keep the tree) and run destroy again."; continue; fi
  rmdir -- "$name"
  forget "$key"
done
[ "$kept" -eq 0 ] || fail "$kept directory(ies) kept, listed above; everything else was removed."
