# shellcheck shell=sh
# The tree remover's destroy step, the last thing a destroy runs: it removes what the
# ownership records say this stack created, and only that, and puts adopted files back.
#
# It reads the records, not which resource made a path: so a create, repair or destroy
# interrupted at any point (a killed engine, a failed or tainted resource, a replaced
# resource whose own destroy step never runs) still ends in a destroy that removes
# exactly the stack's tree. Files first, then directories deepest first, each inside
# its real parent (entered with `cd -P`, checked to be itself):
# - a file recorded `created` is removed only if it is a regular file with one link and
#   holds what the stack wrote (its recorded sha256) or nothing at all (a write cut
#   short); anything else is kept and listed;
# - a file recorded `adopted` gets its original back from the backup the write guard
#   made before the first write (content, owner, mode), unless the file holds something
#   other than what the stack wrote, which is kept and listed;
# - a directory recorded `created` is removed only while empty; one `adopted` is left
#   with its contents, and gets back the owner and mode it had before it was adopted.
# Every path is tried and a path already gone is just forgotten, so running it again
# after an interruption carries on; anything kept fails the destroy at the end, and
# the next destroy runs this again. It prints one line per path it kept (`kept P: why`,
# stderr), per adopted path it put back or left, and, when everything went, one line
# saying what it removed.
set -eu
set -f
removed_files=0
removed_directories=0
# Every path is tried: a path kept is collected (problem), and the destroy fails at the end.
keep() { problem "kept $*"; }
in_real_parent() {
  cd -P -- "$1" 2>/dev/null && [ "$PWD" = "$1" ]
}
# What a write of the record (or of an adopted file's backup) cut short left behind.
drop_temporaries() {
  for leftover in "$CUTTER_RECORD_DIR/$1.tmp" "$CUTTER_RECORD_DIR/$1.original.tmp"; do
    if [ -e "$leftover" ]; then rm -f -- "$leftover"; fi
  done
}
# shellcheck disable=SC2086 # CUTTER_FILES: a list of validated words (no spaces), split on purpose; globbing is off (set -f)
set -- $CUTTER_FILES
while [ $# -gt 0 ]; do
  p=$1 parent=$2 name=$3 key=$4
  shift 4
  drop_temporaries "$key"
  record_of "$key"
  [ -n "$owned" ] || continue
  if [ ! -e "$parent" ] && [ ! -L "$parent" ]; then
    if [ "$owned" = created ]; then removed_files=$((removed_files + 1)); fi
    forget "$key"
    continue
  fi
  in_real_parent "$parent" || { keep "$p: $parent is not the real directory (a symbolic link in the path?); nothing in it was changed"; continue; }
  if [ -L "$name" ]; then keep "$p: it is a symbolic link"; continue; fi
  ours=0
  if [ -f "$name" ]; then
    content_sha256 "$name"
    links=$(stat -c %h -- "$name")
    if [ "$links" = 1 ] && { [ "$sha256" = "$record_sha256" ] || [ ! -s "$name" ]; }; then ours=1; fi
  elif [ -e "$name" ]; then
    keep "$p: it is not a regular file"; continue
  fi
  if [ "$owned" = "adopted" ]; then
    backup="$CUTTER_RECORD_DIR/$record_original"
    if [ -n "$record_original" ] && [ -f "$backup" ]; then
      if [ -e "$name" ] && [ "$ours" = 0 ]; then
        content_sha256 "$name"
        current=$sha256
        content_sha256 "$backup"
        if [ "$current" != "$sha256" ]; then keep "$p: it holds neither what this stack wrote nor the original it adopted (the original stays at $backup)"; continue; fi
        # Put back by an earlier, interrupted destroy.
      else
        rm -f -- "$name.cutter-original"
        cp -- "$backup" "$name.cutter-original"
        if [ -n "$record_owner" ]; then chown -- "$record_owner" "$name.cutter-original"; fi
        if [ -n "$record_mode" ]; then chmod -- "$record_mode" "$name.cutter-original"; fi
        mv -f -- "$name.cutter-original" "$name"
        echo "put back the original $p (adopted before the first deploy; owner $record_owner, mode $record_mode)"
      fi
      rm -f -- "$backup"
    elif [ -e "$name" ]; then
      echo "left $p in place: it existed before this stack (adopted)"
    fi
    forget "$key"
    continue
  fi
  if [ -e "$name" ]; then
    if [ "$ours" = 0 ]; then keep "$p: it is not what this stack wrote (edited, or another name links to it)"; continue; fi
    rm -f -- "$name"
  fi
  removed_files=$((removed_files + 1))
  forget "$key"
done
# Directories, deepest first: the list has each child before its parent.
# shellcheck disable=SC2086 # CUTTER_DIRECTORIES: a list of validated words (no spaces), split on purpose; globbing is off (set -f)
set -- $CUTTER_DIRECTORIES
while [ $# -gt 0 ]; do
  p=$1 parent=$2 name=$3 key=$4
  shift 4
  drop_temporaries "$key"
  record_of "$key"
  [ -n "$owned" ] || continue
  if [ "$owned" = "adopted" ]; then
    if [ -n "$record_mode" ] && [ -d "$p" ] && [ ! -L "$p" ] && in_real_parent "$p"; then
      chown -- "$record_owner" .
      chmod -- "$record_mode" .
      echo "left $p in place with its contents: it existed before this stack (adopted); its owner $record_owner and mode $record_mode are put back"
    else
      echo "left $p in place with its contents: it existed before this stack (adopted)"
    fi
    forget "$key"
    continue
  fi
  if [ ! -e "$parent" ] && [ ! -L "$parent" ]; then removed_directories=$((removed_directories + 1)); forget "$key"; continue; fi
  in_real_parent "$parent" || { keep "$p: $parent is not the real directory (a symbolic link in the path?); nothing in it was removed"; continue; }
  if [ -L "$name" ]; then keep "$p: it is a symbolic link"; continue; fi
  if [ ! -e "$name" ]; then removed_directories=$((removed_directories + 1)); forget "$key"; continue; fi
  if [ ! -d "$name" ]; then keep "$p: it is not a directory"; continue; fi
  count_entries "$name"
  if [ "$entries" -ne 0 ]; then
    if [ "$entries" -eq 1 ]; then keep "$p: holds 1 entry (nothing in it was touched)"; else keep "$p: holds $entries entries (nothing in it was touched)"; fi
    continue
  fi
  rmdir -- "$name"
  removed_directories=$((removed_directories + 1))
  forget "$key"
done
stop_if_problems "destroy removed everything else the stack created and kept the $problems path(s) above. Move the data out, then destroy again (or keep the tree)."
if [ $((removed_directories + removed_files)) -gt 0 ]; then
  echo "removed the tree: the $removed_directories directories and $removed_files files this stack created are gone"
fi
