# shellcheck shell=sh
# Runs right before the provider removes the files it wrote (CUTTER_FILE_COUNT, CUTTER_PATH_1, …) (on destroy, and before it
# re-writes a file whose content changed): the file's directory must resolve to itself,
# so a directory swapped for a symbolic link since the plan never makes the engine
# remove a file outside the tree. A directory already gone leaves nothing to remove.
set -eu
check_parent() {
  if [ -e "$parent" ] || [ -L "$parent" ]; then (enter_real_dir "$parent" "refusing to let the engine remove $p"); fi
}
for_each_file check_parent
