# shellcheck shell=sh
# Runs right before the provider removes the files it wrote (CUTTER_FILE_COUNT, CUTTER_PATH_1, …) (on destroy, and before it
# re-writes a file whose content changed): the file's directory must resolve to itself,
# so a directory swapped for a symbolic link since the plan never makes the engine
# remove a file outside the tree. A directory already gone leaves nothing to remove.
set -eu
case $CUTTER_FILE_COUNT in "" | *[!0-9]*) fail "CUTTER_FILE_COUNT must be a number, not '$CUTTER_FILE_COUNT'" ;; esac
i=0 p=""
while [ "$i" -lt "$CUTTER_FILE_COUNT" ]; do
  i=$((i + 1))
  # One value per file (CUTTER_PATH_1, …), so any name reaches the script whole; only the number is interpolated.
  eval "p=\$CUTTER_PATH_$i"
  parent=${p%/*}
  parent=${parent:-/}
  if [ -e "$parent" ] || [ -L "$parent" ]; then (enter_real_dir "$parent" "refusing to let the engine remove $p"); fi
done
