#!/usr/bin/env bash
# Runs a command with the offline engine environment (see cli/setup.sh):
# TF_CLI_CONFIG_FILE pointing at the filesystem mirror, the engine on PATH,
# no calls home.
#
# Fast path (every npm run plan|deploy|destroy|test goes through here): one `stat`
# of everything setup verified, compared with $CACHE/setup.stamp, which setup
# writes only after a full verification (sha256 of every binary against
# pins/engine-pins.json). Any difference (a replaced or touched file: new inode,
# size, mtime or ctime; a changed owner or mode; another engine on PATH; another
# cache, user or checkout) and the directories leading to the cache and the stamp
# itself are checked against setup's trust rule on every run, independently of the
# stamp. Anything unexpected runs the full setup first, which repairs or refuses.
set -euo pipefail
# The same derivations as cli/setup.sh (the stamp's key is built from them).
src=${BASH_SOURCE[0]}
case $src in */*) here=${src%/*} ;; *) here=. ;; esac
case $here in /*) ;; *) here=$PWD/$here ;; esac
cache=${CUTTER_CACHE_DIR:-${HOME:?HOME is not set}/.cache/cutter-runtime}
case $cache in /*) ;; *) cache=$PWD/$cache ;; esac
while [[ $cache == */ && $cache != / ]]; do cache=${cache%/}; done

# setup's trust rule for one stat line (path dev ino mode uid ...): a directory (unless
# $2 = any) owned by root or by us, not writable by group/others; $3 = sticky-ok lets a
# root-owned sticky directory above the cache (/tmp) pass.
trusted() { # stat-line dir|any sticky-ok|no
  local mode uid
  IFS=$'\t' read -r _ _ _ mode uid _ <<<"$1"
  [[ $2 == any ]] || (( (0x$mode & 0xF000) == 0x4000 )) || return 1
  [[ $uid == 0 || $uid == "$EUID" ]] || return 1
  if (( 0x$mode & 0x12 )); then
    [[ $3 == sticky-ok && $uid == 0 ]] && (( 0x$mode & 0x200 )) || return 1
  fi
  return 0
}

# The engine setup would pick now (same rule as setup's find_engine), or "built".
engine_now() {
  local dir dirs name
  IFS=: read -r -a dirs <<<"$PATH"
  case ${CUTTER_ENGINE:-auto} in auto) set -- tofu terraform ;; tofu) set -- tofu ;; terraform) set -- terraform ;; *) return 1 ;; esac
  for name in "$@"; do
    for dir in "${dirs[@]}"; do
      if [[ $dir == /* && $dir != "$cache/engine-bin" && -f $dir/$name && -x $dir/$name ]]; then REPLY=$dir/$name; return 0; fi
    done
  done
  [[ ${CUTTER_ENGINE:-auto} != terraform ]] || return 1
  REPLY=built
}

stamp_holds() {
  local stamp=$cache/setup.stamp line class want got i n out
  local -a lines paths now
  [[ -f $stamp && ! -L $stamp ]] || return 1
  mapfile -t lines <"$stamp" || return 1
  [[ ${lines[0]-} == "cutter-runtime setup stamp 1" ]] || return 1
  engine_now || return 1
  [[ ${lines[1]-} == "key	$EUID	$cache	$here	$REPLY" ]] || return 1
  n=${#lines[@]}
  (( n > 2 )) || return 1
  paths=("$stamp")
  for ((i = 2; i < n; i++)); do line=${lines[i]#*$'\t'}; paths+=("${line%%$'\t'*}"); done
  out=$(exec stat --printf '%n\t%d\t%i\t%f\t%u\t%g\t%s\t%.9Y\t%.9Z\n' -- "${paths[@]}" 2>/dev/null) || return 1
  mapfile -t now <<<"$out"
  (( ${#now[@]} == n - 1 )) || return 1
  # The stamp itself: only root or we can have written it.
  trusted "${now[0]}" any no || return 1
  for ((i = 2; i < n; i++)); do
    class=${lines[i]%%$'\t'*}; want=${lines[i]#*$'\t'}; got=${now[i - 1]}
    case $class in
      file) [[ $got == "$want" ]] || return 1 ;;
      up|dir)
        # Directories others write into (/tmp, the plugin cache): same inode, type, mode,
        # owner; not their size or times. And the trust rule, whatever the stamp says.
        [[ ${got%$'\t'*$'\t'*$'\t'*} == "${want%$'\t'*$'\t'*$'\t'*}" ]] || return 1
        if [[ $class == up ]]; then trusted "$got" dir sticky-ok || return 1; else trusted "$got" dir no || return 1; fi ;;
      *) return 1 ;;
    esac
  done
}

# CUTTER_CDK selects the CDK (docs/cdk-terrain.md): checked before anything runs.
case ${CUTTER_CDK-} in
  "" | cdktf | cdktn) ;;
  *) printf 'CUTTER_CDK=%q is not a CDK this project runs on: use cdktf (CDK for Terraform 0.21, the default) or cdktn (CDK Terrain 0.24); nothing was changed.\n' "$CUTTER_CDK" >&2; exit 1 ;;
esac
if ! stamp_holds; then
  CUTTER_SETUP_QUIET=${CUTTER_SETUP_QUIET-1} bash "$here/setup.sh"
fi
# shellcheck disable=SC1091
. "$cache/env"
# CDK Terrain: installed (or brought up to date) by terrain-setup.sh, which returns at once when
# its stamp holds; its Node 22 and its `cdktn` go first on PATH.
if [ "${CUTTER_CDK-}" = cdktn ]; then
  CUTTER_SETUP_QUIET=${CUTTER_SETUP_QUIET-1} bash "$here/terrain-setup.sh"
  export PATH="${here%/cli}/terrain/node_modules/.bin:$PATH"
fi
export FORCE_COLOR=${FORCE_COLOR:-0}
# The cdktf CLI redraws its "N Stacks deploying" status line on every update unless CI is
# set (ink's is-ci); in a log (no terminal) each redraw is one more line of noise. CI
# systems set CI themselves; an explicit CI=false is kept.
if [ ! -t 1 ] && [ -z "${CI+x}" ]; then export CI=true; fi
exec "$@"
