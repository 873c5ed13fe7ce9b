# shellcheck shell=sh
# The functions every cutter-runtime script shares; prepended to each script at synth.
#
# fail MSG                 prints "cutter-runtime: MSG" to stderr and exits 1.
# enter_real_dir DIR WHAT  `cd -P` into DIR and checks it resolved to DIR itself (cd -P sets
#                          PWD to the physical path; no pwd process), so no link in DIR is followed.
# count_entries DIR        sets `entries` to the number of entries in DIR, hidden ones included,
#                          without starting a process.
# record_of KEY            sets `owned` to what the ownership record says ("created", "adopted" or "")
#                          and `owner_id` to the resource that claimed the path last ("" if none).
# record KEY WORD PATH [ID]  records PATH as WORD (claimed by resource ID), atomically (write, rename).
# forget KEY               removes the record.
# The record functions need CUTTER_RECORD_DIR (empty: no record); KEY is recordKey(PATH).
fail() { echo "cutter-runtime: $*" >&2; exit 1; }
enter_real_dir() {
  cd -P -- "$1" 2>/dev/null || fail "$2: $1 is missing or not a directory; nothing was changed"
  [ "$PWD" = "$1" ] || fail "$2: $1 resolves to $PWD (a symbolic link in the path); nothing was changed. Replace the link with the real directory."
}
count_entries() {
  entries=0
  case $- in *f*) noglob=1 ;; *) noglob=0 ;; esac
  set +f
  for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
    if [ -e "$entry" ] || [ -L "$entry" ]; then entries=$((entries + 1)); fi
  done
  if [ "$noglob" = 1 ]; then set -f; fi
}
record_of() {
  owned=""
  owner_id=""
  [ -n "$CUTTER_RECORD_DIR" ] || return 0
  if [ -f "$CUTTER_RECORD_DIR/$1" ]; then read -r owned recorded_path owner_id < "$CUTTER_RECORD_DIR/$1" || true; fi
}
record() {
  [ -n "$CUTTER_RECORD_DIR" ] || return 0
  [ -d "$CUTTER_RECORD_DIR" ] || mkdir -p -m 0700 -- "$CUTTER_RECORD_DIR"
  record_file="$CUTTER_RECORD_DIR/$1"
  shift
  printf '%s\n' "$*" > "$record_file.tmp"
  mv -f -- "$record_file.tmp" "$record_file"
}
forget() {
  [ -n "$CUTTER_RECORD_DIR" ] || return 0
  if [ -e "$CUTTER_RECORD_DIR/$1" ]; then rm -f -- "$CUTTER_RECORD_DIR/$1"; fi
}
