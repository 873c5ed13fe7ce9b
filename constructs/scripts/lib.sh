# shellcheck shell=sh
# The functions every cutter-runtime script shares; prepended to each script at synth.
#
# Every script runs with umask 077: whatever it creates (records, backups, temporary
# files) is private whatever umask the engine was started with; managed paths get
# their owner and mode explicitly.
#
# fail MSG                 prints "cutter-runtime: MSG" to stderr and exits 1.
# problem MSG              collects a problem: prints "cutter-runtime: MSG" to stderr and counts it
#                          in `problems`, so a script lists every problem before it stops.
# stop_if_problems MSG     fails with MSG if any problem was collected (MSG may name $problems).
# enter_real_dir DIR WHAT  `cd -P` into DIR and checks it resolved to DIR itself (cd -P sets
#                          PWD to the physical path; no pwd process), so no link in DIR is followed.
# owner_text USER UID GROUP GID  sets `owner_text` to USER:GROUP as `stat %U %u %G %g` prints them, a
#                          name replaced by its number when it has none (stat prints UNKNOWN then).
# count_entries DIR        sets `entries` to the number of entries in DIR, hidden ones included,
#                          without starting a process.
# content_sha256 FILE      sets `sha256` to the sha256 (hex) of FILE's first MiB, read with
#                          O_NONBLOCK and bounded, so a FIFO or device swapped in never blocks
#                          or streams forever ("" if it cannot be read). Callers test `-f` first.
# acl_paths PATH...        sets `acl` to " PATH PATH " for each existing PATH that carries a POSIX
#                          ACL (access or default): GNU `ls -l` marks them with "+"; one process.
# require_setfacl WHAT     fails naming the package unless `setfacl` is installed.
# record_of KEY            sets `owned` to what the ownership record says ("created", "adopted" or ""),
#                          and, from its KEY=VALUE fields, `record_sha256` (content the stack wrote),
#                          `record_original` (backup of an adopted file), `record_mode`, `record_owner`.
# record_dir_ready         makes CUTTER_RECORD_DIR (0700) if it is missing.
# record KEY WORD PATH [FIELD...]  records PATH as WORD, atomically (private temporary, rename).
# forget KEY               removes the record.
# The record functions need CUTTER_RECORD_DIR (empty: no record); KEY is recordKey(PATH).
# Record format: one line `WORD PATH [KEY=VALUE...]`; a third field without "=" (the resource
# id earlier releases wrote) is ignored.
umask 077
fail() { echo "cutter-runtime: $*" >&2; exit 1; }
problems=0
problem() { echo "cutter-runtime: $*" >&2; problems=$((problems + 1)); }
stop_if_problems() { [ "$problems" -eq 0 ] || fail "$*"; }
# Runs FUNCTION once per file of a step that handles several (CUTTER_FILE_COUNT, CUTTER_PATH_1, …),
# with i, p (the path), parent and name set. One value per file, so any name reaches the script
# whole; only the number is interpolated. A failing FUNCTION stops the step (set -e).
for_each_file() {
  case $CUTTER_FILE_COUNT in "" | *[!0-9]*) fail "CUTTER_FILE_COUNT must be a number, not '$CUTTER_FILE_COUNT'" ;; esac
  i=0 p=""
  while [ "$i" -lt "$CUTTER_FILE_COUNT" ]; do
    i=$((i + 1))
    eval "p=\$CUTTER_PATH_$i"
    parent=${p%/*}
    parent=${parent:-/}
    # shellcheck disable=SC2034 # read by FUNCTION (the caller's)
    name=${p##*/}
    "$1"
  done
}
enter_real_dir() {
  cd -P -- "$1" 2>/dev/null || fail "$2: $1 is missing or not a directory; nothing was changed"
  [ "$PWD" = "$1" ] || fail "$2: $1 resolves to $PWD (a symbolic link in the path); nothing was changed. Replace the link with the real directory."
}
owner_text() {
  if [ "$1" = UNKNOWN ]; then owner_text=$2; else owner_text=$1; fi
  if [ "$3" = UNKNOWN ]; then owner_text=$owner_text:$4; else owner_text=$owner_text:$3; fi
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
content_sha256() {
  sha256=$(dd if="$1" iflag=nonblock bs=1048576 count=1 status=none 2>/dev/null | sha256sum) || sha256=""
  sha256=${sha256%% *}
}
acl_paths() {
  acl=" "
  [ $# -gt 0 ] || return 0
  # `-n`: numeric ids, one word each; the path is the last word (managed paths hold no space).
  acl_listing=$(ls -ldn --time-style=+x -- "$@" 2>/dev/null) || true
  while IFS= read -r acl_line; do
    case $acl_line in ??????????+*) acl="$acl${acl_line##* } " ;; esac
  done <<EOF
$acl_listing
EOF
}
require_setfacl() {
  command -v setfacl >/dev/null 2>&1 || fail "$1 carries a POSIX ACL (permissions beyond owner, group and mode) and setfacl is not installed; nothing was changed. Install Debian's acl package (apt-get install acl), then deploy again."
}
# shellcheck disable=SC2034 # sets the record fields for its callers; each script reads those it needs
record_of() {
  owned="" recorded_path="" record_sha256="" record_original="" record_mode="" record_owner=""
  [ -n "$CUTTER_RECORD_DIR" ] || return 0
  [ -f "$CUTTER_RECORD_DIR/$1" ] || return 0
  read -r owned recorded_path record_fields < "$CUTTER_RECORD_DIR/$1" || true
  for field in $record_fields; do
    case $field in
      sha256=*) record_sha256=${field#sha256=} ;;
      original=*) record_original=${field#original=} ;;
      mode=*) record_mode=${field#mode=} ;;
      owner=*) record_owner=${field#owner=} ;;
    esac
  done
}
record_dir_ready() {
  # shellcheck disable=SC2174 # parents made here get 0700 too (umask 077)
  [ -d "$CUTTER_RECORD_DIR" ] || mkdir -p -m 0700 -- "$CUTTER_RECORD_DIR"
}
record() {
  [ -n "$CUTTER_RECORD_DIR" ] || return 0
  record_dir_ready
  record_file="$CUTTER_RECORD_DIR/$1"
  shift
  # A new private file (noclobber: O_EXCL, so never through a link planted at the name), then rename.
  rm -f -- "$record_file.tmp"
  (set -C; printf '%s\n' "$*" > "$record_file.tmp")
  mv -f -- "$record_file.tmp" "$record_file"
}
forget() {
  [ -n "$CUTTER_RECORD_DIR" ] || return 0
  if [ -e "$CUTTER_RECORD_DIR/$1" ]; then rm -f -- "$CUTTER_RECORD_DIR/$1"; fi
}
