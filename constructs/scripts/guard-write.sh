# shellcheck shell=sh
# Runs right before the provider writes the file: the path must not be a link or
# anything but a regular file, and its directory must resolve to itself. A file
# already there is overwritten only if the stack wrote it (the record says so) or
# the operator asked to adopt pre-existing paths. The plan-time link check
# (LinkCheck) covers re-writes of a file that is already in state.
set -eu
p=$CUTTER_PATH
name=$CUTTER_NAME
key=$CUTTER_RECORD_KEY
what="refusing to write $p"
enter_real_dir "$CUTTER_PARENT" "$what"
if [ -L "$name" ]; then fail "$what: it is a symbolic link; nothing was written (remove the link and deploy again)"; fi
if [ -e "$name" ]; then
  [ -f "$name" ] || fail "$what: something that is not a regular file is in its place; nothing was written"
  [ -n "$CUTTER_RECORD_DIR" ] || exit 0
  record_of "$key"
  case $owned in
    created|adopted) exit 0 ;;
  esac
  if [ "$CUTTER_ADOPT" = "1" ]; then record "$key" adopted "$p"; exit 0; fi
  fail "$what: it already exists and this stack did not write it (no record in $CUTTER_RECORD_DIR); nothing was changed. Move it away and deploy again, or deploy with CUTTER_ADOPT_EXISTING=1 to let the stack take it over."
fi
record "$key" created "$p"
