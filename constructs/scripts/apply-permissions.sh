# shellcheck shell=sh
# Sets owner/group (`chown`) and mode (`chmod`) of one file in place, never through
# a symbolic link: inside its directory (entered with `cd -P` and checked to be
# itself), the file is opened, checked to be the same inode as the directory entry
# (no link), and changed through its open descriptor. A link swapped in at any
# moment is refused or misses: the target is never touched.
set -eu
p=$CUTTER_PATH
name=$CUTTER_NAME
what="refusing to change owner/mode of $p"
enter_real_dir "$CUTTER_PARENT" "$what"
if [ -L "$name" ]; then fail "$what: it is a symbolic link; nothing was changed (remove the link; deploy writes the real file)"; fi
[ -f "$name" ] || fail "$p is missing or not a regular file"
exec 3< "$name"
[ "$(stat -L -c %d:%i /proc/self/fd/3)" = "$(stat -c %d:%i -- "$name")" ] || fail "$what: it was swapped while being checked; nothing was changed"
chown -- "$CUTTER_OWNER:$CUTTER_GROUP" /proc/self/fd/3
chmod -- "$CUTTER_MODE" /proc/self/fd/3
