# shellcheck shell=sh
# Creates the directories as the gate did (`install -d -o OWNER -g GROUP -m MODE`),
# or repairs them, without following links.
#
# First every path is checked and nothing is changed if any is refused: a link or a
# non-directory in its place, a directory this stack did not create (unless the
# operator asked to adopt), or a POSIX ACL to remove with no setfacl installed. Then,
# per path, inside the real parent: the record is written, then `mkdir` (fails on any
# existing entry, link or not) makes a missing directory private; after entering the
# directory with `cd -P`, any ACL is removed (a new directory under a parent with a
# default ACL inherits one: it is stripped before anything is written inside), and
# `install -d` sets owner and mode on `.`. CUTTER_MODE has five digits (00750): GNU
# install/chmod keep a directory's setuid/setgid bits for a four-digit mode and clear
# them for five. A directory already there keeps its inode and content.
#
# The record is written once, when the stack creates or adopts a path, and names no
# resource: any interruption leaves either no record (nothing was created) or a record
# of a path that is ours whether or not it exists yet; removal is the tree remover's.
#
# It prints one line per path it changed, in words (`created P root:root 0750`,
# `set P to root:root 0750 (was 0777)`), and nothing for a path that was already right; a
# refusal is one line per path on stderr, then one line saying nothing was changed.
set -eu
set -f
adopt=""
existing=""
present=""
# shellcheck disable=SC2086 # CUTTER_ENTRIES: a list of validated words (no spaces), split on purpose; globbing is off (set -f)
set -- $CUTTER_ENTRIES
while [ $# -gt 0 ]; do
  p=$1 parent=$2 key=$4
  shift 4
  case "$existing " in *" $parent "*) ;; *) existing="$existing $parent" ;; esac
  if [ -L "$p" ]; then problem "refusing to change owner/mode of $p: it is a symbolic link (remove the link, or put the real directory back, and deploy again)"; continue; fi
  [ -e "$p" ] || continue
  if [ ! -d "$p" ]; then problem "$p is not a directory; nothing was changed. Move it out of the tree, then deploy again"; continue; fi
  existing="$existing $p"
  present="$present $p"
  record_of "$key"
  case $owned in
    created|adopted) ;;
    *)
      if [ "$CUTTER_ADOPT" = "1" ]; then adopt="$adopt $p $key"; else
        problem "refusing to take over $p: it already exists and this stack did not create it (no record in $CUTTER_RECORD_DIR). Move it away and deploy again, or deploy with CUTTER_ADOPT_EXISTING=1 (adoptExisting in a host file) to adopt it: its owner and mode are then managed, and destroy leaves it and its contents in place."
      fi ;;
  esac
done
stop_if_problems "deploy stopped before changing anything: $problems path(s) refused above."
# One `ls` for every existing path and parent: which carry an ACL (to strip), and which
# parents would hand a default ACL to a directory created in them.
# shellcheck disable=SC2086 # validated paths, split on purpose
acl_paths $existing
# shellcheck disable=SC2086 # CUTTER_ENTRIES: a list of validated words (no spaces), split on purpose; globbing is off (set -f)
set -- $CUTTER_ENTRIES
while [ $# -gt 0 ]; do
  p=$1 parent=$2
  shift 4
  case $acl in *" $p "*) require_setfacl "$p" ;; esac
  if [ ! -e "$p" ]; then case $acl in *" $parent "*) require_setfacl "$parent (which a new $p would inherit)" ;; esac; fi
done
# What every existing directory is before any change, for the lines saying what changed:
# one stat for all of them ("PATH|USER|UID|GROUP|GID|MODE" per line).
before=""
if [ -n "$present" ]; then
  # shellcheck disable=SC2086 # validated paths, split on purpose
  before=$(stat -c '%n|%U|%u|%G|%g|%a' -- $present)
fi
want_mode=${CUTTER_MODE#0}
# Sets `digits` to a `stat %a` mode with four digits, as the layout writes modes (no process).
four_digits() { case ${#1} in 1) digits=000$1 ;; 2) digits=00$1 ;; 3) digits=0$1 ;; *) digits=$1 ;; esac; }
# shellcheck disable=SC2086 # adopt: a list of validated words (no spaces), split on purpose; globbing is off (set -f)
set -- $adopt
while [ $# -gt 0 ]; do
  p=$1 key=$2
  shift 2
  # Its owner and mode before the stack's, which destroy puts back.
  original=$(stat -c 'mode=%a owner=%u:%g' -- "$p")
  # shellcheck disable=SC2086 # original: its fields (mode=… owner=…) become separate record fields
  record "$key" adopted "$p" $original
  echo "adopted pre-existing $p ($original): owner and mode are managed from now on; destroy leaves it and its contents in place and puts that owner and mode back"
done
# shellcheck disable=SC2086 # CUTTER_ENTRIES: a list of validated words (no spaces), split on purpose; globbing is off (set -f)
set -- $CUTTER_ENTRIES
while [ $# -gt 0 ]; do
  p=$1 parent=$2 name=$3 key=$4
  shift 4
  enter_real_dir "$parent" "refusing to create $p"
  strip=0
  made=0
  if [ ! -e "$name" ] && [ ! -L "$name" ]; then
    record_of "$key"
    [ -n "$owned" ] || record "$key" created "$p"
    mkdir -m 0700 -- "$name"
    made=1
    case $acl in *" $parent "*) strip=1 ;; esac
  fi
  case $acl in *" $p "*) strip=1 ;; esac
  enter_real_dir "$p" "refusing to set owner/mode of $p"
  # Before the mode: removing an ACL's mask gives the group bits back to the group entry.
  if [ "$strip" = 1 ]; then setfacl -b -k -- .; fi
  install -d -o "$CUTTER_OWNER" -g "$CUTTER_GROUP" -m "$CUTTER_MODE" -- .
  if [ "$made" = 1 ]; then
    echo "created $p $CUTTER_OWNER:$CUTTER_GROUP $want_mode"
    continue
  fi
  was=""
  while IFS='|' read -r was_path was_user was_uid was_group was_gid was_mode; do
    [ "$was_path" = "$p" ] || continue
    owner_text "$was_user" "$was_uid" "$was_group" "$was_gid"
    was_owner=$owner_text
    four_digits "$was_mode"
    if [ "$was_owner" != "$CUTTER_OWNER:$CUTTER_GROUP" ]; then was="$was $was_owner"; fi
    if [ "$digits" != "$want_mode" ]; then was="$was $digits"; fi
  done <<BEFORE
$before
BEFORE
  if [ "$strip" = 1 ]; then was="$was, with a POSIX ACL"; fi
  if [ -n "$was" ]; then echo "set $p to $CUTTER_OWNER:$CUTTER_GROUP $want_mode (was ${was# })"; fi
done
