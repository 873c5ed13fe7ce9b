# shellcheck shell=sh
# The survey: what every managed path was before the first deploy, kept with the
# ownership records (CUTTER_RECORD_DIR/CUTTER_SURVEY_NAME) for the gate report.
#
# record: writes, once, the plan-time observation (observe.sh's `S|path|type|owner|group|mode`
#         lines: every managed path that existed; a path not listed did not exist).
#         A survey already there is kept: the first one is the state before the first deploy.
# forget: removes it (destroy); nothing without a record directory.
# Format, one item a line: `cutter-runtime-survey 1`, `recorded_at UTC`, `root PATH`,
# `truncated 0|1`, then `observed S|PATH|TYPE|OWNER|GROUP|MODE[|more fields]` per existing path.
set -eu
set -f
file=$CUTTER_RECORD_DIR/$CUTTER_SURVEY_NAME
case $CUTTER_SURVEY_ACTION in
  forget)
    # No record directory (a destroy guard without records): no survey to remove, and never /NAME.
    [ -n "$CUTTER_RECORD_DIR" ] || exit 0
    for f in "$file" "$file.tmp"; do
      if [ -f "$f" ] && [ ! -L "$f" ]; then rm -f -- "$f"; fi
    done
    exit 0 ;;
  record) ;;
  *) fail "survey: unknown action $CUTTER_SURVEY_ACTION" ;;
esac
if [ -e "$file" ] || [ -L "$file" ]; then
  echo "cutter-runtime: keeping the survey recorded earlier in $file (the state before the first deploy)"
  exit 0
fi
# Private: the record directory (and any parent it needs) and the survey, whatever the caller's umask.
umask 077
[ -d "$CUTTER_RECORD_DIR" ] || mkdir -p -- "$CUTTER_RECORD_DIR"
tmp=$file.tmp
if [ -L "$tmp" ] || [ -f "$tmp" ]; then rm -f -- "$tmp"; fi
set -C
{
  echo "cutter-runtime-survey 1"
  echo "recorded_at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "root $CUTTER_ROOT"
  echo "truncated $CUTTER_OBSERVED_TRUNCATED"
  # A truncated observation ends in a partial line: keep whole lines only.
  printf '%s\n' "$CUTTER_OBSERVED" | {
    previous=""
    while IFS= read -r line; do
      case $previous in "S|"*) printf 'observed %s\n' "$previous" ;; esac
      previous=$line
    done
    if [ "$CUTTER_OBSERVED_TRUNCATED" != 1 ]; then
      case $previous in "S|"*) printf 'observed %s\n' "$previous" ;; esac
    fi
  }
} > "$tmp"
set +C
mv -f -- "$tmp" "$file"
