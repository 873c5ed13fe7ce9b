# shellcheck shell=sh
# After the provider removed the file on destroy: forget it. */
set -eu
p=$CUTTER_PATH
if [ ! -e "$p" ] && [ ! -L "$p" ]; then forget "$CUTTER_RECORD_KEY"; fi
