# shellcheck shell=sh
# Runs right before the provider removes a file it wrote (on destroy, and before it
# re-writes a file whose content changed): the file's directory must resolve to itself,
# so a directory swapped for a symbolic link since the plan never makes the engine
# remove a file outside the tree. A directory already gone leaves nothing to remove.
set -eu
p=$CUTTER_PATH
parent=${p%/*}
if [ -e "$parent" ] || [ -L "$parent" ]; then enter_real_dir "$parent" "refusing to let the engine remove $p"; fi
