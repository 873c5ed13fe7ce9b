# shellcheck shell=sh
# Checks the whole tree before destroy removes anything. Anything found stops the
# destroy with every problem listed: a directory holding entries, an entry in the
# root the stack did not create, a config or README whose content is no longer
# what the stack wrote (kept for the operator), a symbolic link or a non-directory
# at a managed path. Adopted directories are skipped: destroy leaves them anyway.
# Nothing is opened but regular files, and those without blocking (content_sha256).
# Each problem is one line on stderr, `kept PATH: why`, and the last line says what to do:
# the engine repeats this output at the very end of its error, so the reasons are the
# last thing an operator reads.
set -eu
set -f
if [ -z "$CUTTER_REMOVER_ID" ]; then
  fail "destroy stopped before removing anything: this state was written by an earlier release, which had no tree remover. Run deploy once with this release (it adds the remover and changes nothing in the tree), then destroy again."
fi
# "1 entry" / "N entries"
entries_text() { if [ "$1" -eq 1 ]; then text="1 entry"; else text="$1 entries"; fi; }
root=$CUTTER_ROOT
record_of "$CUTTER_ROOT_KEY"
if [ -L "$root" ]; then
  problem "kept $root: it is a symbolic link, not the directory this stack created"
elif [ -d "$root" ] && [ "$owned" != "adopted" ]; then
  known=0
  for name in $CUTTER_ROOT_ENTRIES; do
    if [ -e "$root/$name" ] || [ -L "$root/$name" ]; then known=$((known + 1)); fi
  done
  count_entries "$root"
  extra=$((entries - known))
  if [ "$extra" -gt 0 ]; then entries_text "$extra"; problem "kept $root: holds $text this stack did not create"; fi
fi
# shellcheck disable=SC2086 # CUTTER_DIRECTORY_KEYS: a list of validated words (no spaces), split on purpose; globbing is off (set -f)
set -- $CUTTER_DIRECTORY_KEYS
for d in $CUTTER_DIRECTORIES; do
  key=$1
  shift
  if [ -L "$d" ]; then
    problem "kept $d: it is a symbolic link, not the directory this stack created"
  elif [ -d "$d" ]; then
    record_of "$key"
    if [ "$owned" != "adopted" ]; then
      count_entries "$d"
      if [ "$entries" -ne 0 ]; then entries_text "$entries"; problem "kept $d: holds $text"; fi
    fi
  elif [ -e "$d" ]; then
    problem "kept $d: it is not a directory"
  fi
done
# shellcheck disable=SC2086 # CUTTER_FILE_SHA256: a list of validated words (no spaces), split on purpose; globbing is off (set -f)
set -- $CUTTER_FILE_SHA256
for f in $CUTTER_FILES; do
  expected=$1
  shift
  if [ -L "$f" ]; then
    problem "kept $f: it is a symbolic link, not the file this stack wrote"
  elif [ -f "$f" ]; then
    # An empty file is a write cut short (or emptied): nothing to lose.
    content_sha256 "$f"
    if [ "$sha256" != "$expected" ] && [ -s "$f" ]; then problem "kept $f: edited (its content is not what this stack wrote)"; fi
  elif [ -e "$f" ]; then
    problem "kept $f: it is not a regular file"
  fi
done
stop_if_problems "destroy stopped before removing anything ($problems path(s) above; the tree and the state are as they were). Move the data out of $root, then destroy again; or keep the tree."
