# shellcheck shell=sh
# Sets owner/group (`chown`) and mode (`chmod`) of each file (CUTTER_FILE_COUNT files,
# CUTTER_PATH_1, …: one owner/mode step for the files written together) in place, never through
# a symbolic link, a hard link or a special file: inside its directory (entered with
# `cd -P` and checked to be itself), the file is opened read-write (which never blocks,
# even on a FIFO swapped in), checked to be a regular file with one link and the same
# inode as the directory entry, and changed through its open descriptor: any POSIX ACL
# is removed first (it would grant access the mode does not show), then owner and mode.
# A link swapped in at any moment is refused or misses: its target is never touched.
# It prints one line when it changed anything (`set P to root:root 0640 (was 0644)`), none otherwise.
set -eu
# A subshell per file: its `cd`, descriptor and `fail` stay its own; a failure stops the step (set -e).
apply_to_file() {
  (
    what="refusing to change owner/mode of $p"
    enter_real_dir "$parent" "$what"
    if [ -L "$name" ]; then fail "$what: it is a symbolic link; nothing was changed (remove the link; deploy writes the real file)"; fi
    [ -f "$name" ] || fail "$what: it is missing or not a regular file; nothing was changed"
    exec 3<> "$name"
    fd=/proc/self/fd/3
    if [ ! -f "$fd" ] || [ "$(stat -L -c %d:%i "$fd")" != "$(stat -c %d:%i -- "$name")" ]; then
      fail "$what: it was swapped while being checked; nothing was changed"
    fi
    # One stat: link count, owner and mode before any change.
    read -r links was_user was_uid was_group was_gid was_mode <<STAT
$(stat -L -c '%h %U %u %G %g %a' "$fd")
STAT
    owner_text "$was_user" "$was_uid" "$was_group" "$was_gid"
    was_owner=$owner_text
    [ "$links" = 1 ] || fail "$what: it has $links hard links, so another name (maybe outside the tree) shares this file; nothing was changed. Remove the other link (find it with: find / -xdev -samefile $p), then deploy again."
    acl_before=0
    case $(ls -lLdn -- "$fd") in ??????????+*) acl_before=1 ;; esac
    if command -v setfacl >/dev/null 2>&1; then
      setfacl -b -- "$fd"
    elif [ "$acl_before" = 1 ]; then
      require_setfacl "$p"
    fi
    chown -- "$CUTTER_OWNER:$CUTTER_GROUP" "$fd"
    chmod -- "$CUTTER_MODE" "$fd"
    case ${#was_mode} in 1) was_mode=000$was_mode ;; 2) was_mode=00$was_mode ;; 3) was_mode=0$was_mode ;; esac
    was=""
    if [ "$was_owner" != "$CUTTER_OWNER:$CUTTER_GROUP" ]; then was="$was $was_owner"; fi
    if [ "$was_mode" != "$CUTTER_MODE" ]; then was="$was $was_mode"; fi
    if [ "$acl_before" = 1 ]; then was="$was, with a POSIX ACL"; fi
    if [ -n "$was" ]; then echo "set $p to $CUTTER_OWNER:$CUTTER_GROUP $CUTTER_MODE (was ${was# })"; fi
  )
}
for_each_file apply_to_file
