# shellcheck shell=sh
# Creates the directories as the gate did (`install -d -o OWNER -g GROUP -m MODE`),
# or repairs them, without following links.
#
# First every path is checked and nothing is changed if any is refused: a link or a
# non-directory in its place, or a directory this stack did not create (unless the
# operator asked to adopt). Then, per path, inside the real parent: `mkdir` (fails on
# any existing entry, link or not) makes a missing directory private, the record is
# written before it, and `install -d` sets owner and mode on `.` after entering the
# directory with `cd -P`. A directory already there keeps its inode and content:
# only owner and mode are applied again.
set -eu
set -f
refused=0
refuse() { echo "cutter-runtime: $*" >&2; refused=$((refused + 1)); }
adopt=""
set -- $CUTTER_ENTRIES
while [ $# -gt 0 ]; do
  p=$1 key=$4
  shift 4
  if [ -L "$p" ]; then refuse "refusing to change owner/mode of $p: it is a symbolic link; nothing was changed (remove the link, or put the real directory back, and deploy again)"; continue; fi
  [ -e "$p" ] || continue
  if [ ! -d "$p" ]; then refuse "$p is not a directory; nothing was changed. Move it out of the tree, then deploy again"; continue; fi
  record_of "$key"
  case $owned in
    created|adopted) ;;
    *)
      if [ "$CUTTER_ADOPT" = "1" ]; then adopt="$adopt $p $key"; else
        refuse "refusing to take over $p: it already exists and this stack did not create it (no record in $CUTTER_RECORD_DIR); nothing was changed. Either move it away and deploy again, or deploy with CUTTER_ADOPT_EXISTING=1 to adopt it: its owner and mode are then managed, and destroy leaves it and its contents in place."
      fi ;;
  esac
done
[ "$refused" -eq 0 ] || fail "$refused directory(ies) refused above; nothing was changed."
set -- $adopt
while [ $# -gt 0 ]; do
  p=$1 key=$2
  shift 2
  record "$key" adopted "$p" "$CUTTER_INSTANCE"
  echo "cutter-runtime: adopted pre-existing $p: owner and mode are managed from now on; destroy leaves it and its contents in place"
done
set -- $CUTTER_ENTRIES
while [ $# -gt 0 ]; do
  p=$1 parent=$2 name=$3 key=$4
  shift 4
  enter_real_dir "$parent" "refusing to create $p"
  record_of "$key"
  if [ ! -e "$name" ] && [ ! -L "$name" ]; then
    record "$key" created "$p" "$CUTTER_INSTANCE"
    mkdir -m 0700 -- "$name"
  elif [ "$owner_id" != "$CUTTER_INSTANCE" ]; then
    # Claimed by this resource from now on: the one it replaces must leave it alone.
    record "$key" "$owned" "$p" "$CUTTER_INSTANCE"
  fi
  enter_real_dir "$p" "refusing to set owner/mode of $p"
  install -d -o "$CUTTER_OWNER" -g "$CUTTER_GROUP" -m "$CUTTER_MODE" -- .
done
