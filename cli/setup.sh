#!/usr/bin/env bash
# npm run setup: an offline engine and provider mirror for cutter-runtime, verified.
#
# The Terraform registry is never contacted. The engine is `tofu` or `terraform`
# from PATH, or OpenTofu built from the Go module proxy; the `local` provider is
# built from the Go module proxy and served through a filesystem mirror named in
# a CLI config file. Everything lands in $CUTTER_CACHE_DIR (default
# ~/.cache/cutter-runtime).
#
# Trust: every binary setup builds is pinned by sha256 per platform in
# pins/engine-pins.json, built reproducibly (the pinned Go toolchain, -trimpath,
# CGO_ENABLED=0, no user Go settings) and checked against its pin before it is
# installed and every time setup runs; a binary that does not match is never run.
# The cache and every directory above it must belong to root or to the user
# running setup and must not be writable by anyone else (a sticky, root-owned
# ancestor such as /tmp is fine), and nothing on the way may be a symbolic link.
# After a full verification setup writes $CACHE/setup.stamp: device, inode, mode,
# owner, size, mtime and ctime of everything it verified, for this user, cache,
# checkout and engine. cli/with-engine.sh compares that with one `stat` and runs
# this script again when anything differs.
#
# Outputs (read by cli/with-engine.sh, the tests and the bench):
#   $CACHE/terraform.rc   CLI config: filesystem_mirror only, no direct install
#   $CACHE/mirror/...     registry layout for registry.terraform.io and registry.opentofu.org
#   $CACHE/env            `export` lines for a shell (README's environment line)
#   $CACHE/env.json       the same for programs
#   $CACHE/setup.stamp    what was verified (see above)
#
# CUTTER_ENGINE=auto|terraform|tofu picks the engine (auto: tofu, then terraform,
# from PATH, else build tofu). CUTTER_ENGINE=tofu builds OpenTofu when none is on PATH.
#
# Maintainers: `bash cli/setup.sh --print-pins [provider|opentofu]` builds for
# linux_amd64 and linux_arm64 in a temporary directory (nothing is installed) and
# prints the sha256 values to put into pins/engine-pins.json.
set -euo pipefail
umask 022

mode=install
what=all
case ${1-} in
  "") ;;
  --print-pins) mode=print-pins; what=${2:-all} ;;
  *) printf 'setup: error: unknown argument %q; usage: bash cli/setup.sh [--print-pins [provider|opentofu]]\n' "$1" >&2; exit 2 ;;
esac
case $what in all|provider|opentofu) ;; *) printf 'setup: error: --print-pins takes provider or opentofu, not %q\n' "$what" >&2; exit 2 ;; esac

quiet=${CUTTER_SETUP_QUIET:-}
say() { [ -n "$quiet" ] || printf 'setup: %s\n' "$*" >&2; }
warn() { printf 'setup: warning: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# The same derivation as cli/with-engine.sh: both write/compare the stamp's key with it.
src=${BASH_SOURCE[0]}
case $src in */*) here=${src%/*} ;; *) here=. ;; esac
case $here in /*) ;; *) here=$PWD/$here ;; esac
pins=$here/../pins/engine-pins.json

command -v node >/dev/null || die "node is required (Node.js 20)"
# Every pin as "dotted.key<TAB>value", read with one node start (each start costs ~50 ms).
pins_flat=$(node -e '
const walk = (v, k) => (v && typeof v === "object" ? Object.entries(v).flatMap(([c, w]) => walk(w, k ? k + "." + c : c)) : [k + "\t" + v]);
const p = require(process.argv[1]);
process.stdout.write([...walk(p, ""), "providers.names\t" + Object.keys(p.providers).join(" ")].join("\n"));
' "$pins") || die "cannot read $pins"
declare -A PIN=()
while IFS=$'\t' read -r key value; do PIN[$key]=$value; done <<<"$pins_flat"
# A pin, which must exist and be a plain word (names, versions, modules, digests).
pin() {
  local value=${PIN[$1]-}
  [[ $value =~ ^[A-Za-z0-9._/@+=:\>\ -]+$ ]] || die "pins/engine-pins.json: $1 is missing or not a plain value (got '${value}')"
  REPLY=$value
}

case $HOSTTYPE in
  x86_64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "unsupported machine $HOSTTYPE (linux amd64 and arm64 are pinned)" ;;
esac
platform=linux_$arch

# Paths setup writes into shell, HCL and JSON files: absolute, no quoting needed anywhere.
safe_path() { # what value
  [[ $2 =~ ^/[A-Za-z0-9._/@+-]*$ ]] \
    || die "$1 $(printf '%q' "$2") cannot be used: it must be an absolute path of letters, digits and . _ / @ + - only (setup writes it into shell, HCL and JSON files)"
}

octal() { printf '%04o' $((0x$1 & 07777)); }

# The trust rule for a path setup relies on, from one `stat` line (path dev ino mode uid ...):
# owned by root or by the user running setup; not writable by group or others, except
# a root-owned sticky ancestor such as /tmp when $2 says so; a directory when $3 says so.
check_trusted() { # stat-line may-be-sticky must-be-dir
  local path mode uid
  IFS=$'\t' read -r path _ _ mode uid _ <<<"$1"
  if [ "$3" = dir ] && (( (0x$mode & 0xF000) != 0x4000 )); then
    if (( (0x$mode & 0xF000) == 0xA000 )); then
      die "$path is a symbolic link: a cache reached through a link can be swapped under setup's feet; set CUTTER_CACHE_DIR to a real directory you own (this one leads to $(readlink -f -- "$path" 2>/dev/null || echo '?'))"
    fi
    die "$path is not a directory"
  fi
  if [ "$uid" != 0 ] && [ "$uid" != "$EUID" ]; then
    die "$path belongs to uid $uid, not to root or to you (uid $EUID): its owner could replace what setup verified; use a cache of your own (CUTTER_CACHE_DIR)"
  fi
  (( (0x$mode & 0xF000) != 0xA000 )) || return 0 # a link's own mode bits mean nothing
  if (( 0x$mode & 0x12 )) && ! { [ "$2" = sticky-ok ] && [ "$uid" = 0 ] && (( 0x$mode & 0x200 )); }; then
    die "$path is writable by group or others (mode $(octal "$mode")): another user could plant a binary there; run chmod go-w $path (after checking what is inside) or use another CUTTER_CACHE_DIR"
  fi
}

STAT_FORMAT='%n\t%d\t%i\t%f\t%u\t%g\t%s\t%.9Y\t%.9Z\n'

# --- the cache directory -----------------------------------------------------------
cache_dir() {
  cache=${CUTTER_CACHE_DIR:-${HOME:?HOME is not set}/.cache/cutter-runtime}
  case $cache in /*) ;; *) cache=$PWD/$cache ;; esac
  while [[ $cache == */ && $cache != / ]]; do cache=${cache%/}; done
  safe_path "the cache directory (CUTTER_CACHE_DIR)" "$cache"
  case $cache/ in */./*|*/../*|*//*) die "the cache directory (CUTTER_CACHE_DIR) $cache must be a plain path, without . or .. components" ;; esac
  # Every directory from / down to the cache.
  chain=()
  local p=$cache
  while :; do chain=("$p" "${chain[@]}"); [ "$p" = / ] && break; p=${p%/*}; [ -n "$p" ] || p=/; done
  local existing=()
  for p in "${chain[@]}"; do { [ -e "$p" ] || [ -L "$p" ]; } && existing+=("$p"); done
  check_chain "${existing[@]}"
  mkdir -p "$cache"
  check_chain "${chain[@]}"
}
check_chain() {
  local out line
  out=$(stat --printf "$STAT_FORMAT" -- "$@") || die "cannot stat the cache directory's path"
  while IFS= read -r line; do
    if [ "${line%%$'\t'*}" = "$cache" ]; then check_trusted "$line" no dir; else check_trusted "$line" sticky-ok dir; fi
  done <<<"$out"
}

# --- reproducible Go builds --------------------------------------------------------
go_loaded=
load_go() { # why
  if [ -z "$go_loaded" ]; then
    command -v go >/dev/null || die "$1 needs the Go toolchain ($go_toolchain, or any Go >= 1.21 that can fetch it from the module proxy)"
    local out
    out=$(GOTOOLCHAIN=local go env GOVERSION GOMODCACHE GOCACHE GOPROXY GOSUMDB GONOSUMDB GOPRIVATE GONOPROXY GOINSECURE) || die "go env failed"
    mapfile -t GOENV_VALUES <<<"$out"
    go_loaded=1
  fi
  if [ "${GOENV_VALUES[0]:-unknown}" != "$go_toolchain" ]; then
    say "Go on PATH is ${GOENV_VALUES[0]:-unknown}; the pin was made with $go_toolchain: building with $go_toolchain (GOTOOLCHAIN; go fetches it from the module proxy and checks it against the checksum database)"
  fi
}
# go with only what makes the build reproducible: the pinned toolchain, no cgo, default
# GOAMD64/GOARM64, no experiments, no user go.env or go.work; the user's proxy, checksum
# database and caches are kept (an air-gapped site points GOPROXY at its own mirror).
go_clean() { # goarch gopath go-args...
  local goarch=$1 gopath=$2
  shift 2
  env -u GOEXPERIMENT -u GOBIN -u GOROOT -u GODEBUG \
    GOENV=off GOWORK=off GOTOOLCHAIN="$go_toolchain" GOOS=linux GOARCH="$goarch" GOAMD64=v1 GOARM64=v8.0 \
    CGO_ENABLED=0 GOFIPS140=off GOFLAGS="-mod=mod -buildvcs=false" GOPATH="$gopath" \
    GOMODCACHE="${GOENV_VALUES[1]-}" GOCACHE="${GOENV_VALUES[2]-}" GOPROXY="${GOENV_VALUES[3]-}" GOSUMDB="${GOENV_VALUES[4]-}" \
    GONOSUMDB="${GOENV_VALUES[5]-}" GOPRIVATE="${GOENV_VALUES[6]-}" GONOPROXY="${GOENV_VALUES[7]-}" GOINSECURE="${GOENV_VALUES[8]-}" \
    go "$@"
}

tmp_dirs=()
cleanup() { [ ${#tmp_dirs[@]} -eq 0 ] || rm -rf -- "${tmp_dirs[@]}"; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
new_tmp() { REPLY=$(mktemp -d "$1/tmp.XXXXXX"); tmp_dirs+=("$REPLY"); }

# Builds the provider for goarch into a temporary directory below $1; REPLY is the binary.
build_provider() { # tmp-parent goarch
  local module goversion tmp bin
  pin "providers.$name.goModule"; module=$REPLY
  pin "providers.$name.goVersion"; goversion=$REPLY
  pin "providers.$name.goToolchain"; go_toolchain=$REPLY
  load_go "building provider $source $provider_version"
  new_tmp "$1"; tmp=$REPLY
  say "building provider $source $provider_version for linux_$2 ($module@$goversion, $go_toolchain) from the Go module proxy"
  go_clean "$2" "$tmp/gopath" install -trimpath "$module@$goversion" >&2 \
    || die "go install $module@$goversion failed (see above)"
  bin=$tmp/gopath/bin/terraform-provider-$name
  [ "$2" = "$arch" ] || bin=$tmp/gopath/bin/linux_$2/terraform-provider-$name
  [ -f "$bin" ] || die "go install $module@$goversion produced no terraform-provider-$name"
  REPLY=$bin
}

# Builds OpenTofu for goarch below $1; REPLY is the binary.
build_tofu() { # tmp-parent goarch
  local module replace tmp
  pin opentofu.goModule; module=$REPLY
  pin opentofu.goReplace; replace=$REPLY
  pin opentofu.goToolchain; go_toolchain=$REPLY
  load_go "building OpenTofu $tofu_version"
  new_tmp "$1"; tmp=$REPLY
  say "building OpenTofu $tofu_version for linux_$2 ($go_toolchain) from the Go module proxy (a few minutes, once)"
  # OpenTofu's go.mod has a replace directive, so `go install module@version`
  # refuses it: build it from a small module that requires it and repeats the replace.
  mkdir -p "$tmp/src"
  cat >"$tmp/src/go.mod" <<EOF
module cutter-runtime.local/tofu-build

go 1.24

godebug tlsmlkem=0

require $module v$tofu_version

replace $replace
EOF
  cat >"$tmp/src/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/opentofu/opentofu/cmd/tofu"
EOF
  (cd "$tmp/src" && go_clean "$2" "$tmp/gopath" mod tidy >&2 \
    && go_clean "$2" "$tmp/gopath" build -trimpath -ldflags "-X $module/version.dev=no" -o "$tmp/tofu" "$module/cmd/tofu" >&2) \
    || die "building OpenTofu $tofu_version failed (see above)"
  REPLY=$tmp/tofu
}

sha256_of() { # file → REPLY
  local out
  out=$(sha256sum -- "$1") || die "cannot read $1"
  REPLY=${out%% *}
}

# A freshly built binary must match its pin before it goes anywhere; on a mismatch say
# what differs from the pinned build (toolchain, settings) and stop.
check_built() { # binary what pin-key
  local want got info toolchain settings
  sha256_of "$1"; got=$REPLY
  want=${PIN[$3]-}
  [ "$got" = "$want" ] && return 0
  info=$(go version -m "$1" 2>/dev/null || true)
  toolchain=${info#*: }; toolchain=${toolchain%%$'\n'*}
  settings=$(printf '%s\n' "$info" | sed -n 's/^[[:space:]]*build[[:space:]]*//p' | grep -E '^(-trimpath|CGO_ENABLED|GOARCH|GOOS|GOAMD64|GOARM64|GOEXPERIMENT|-tags|-ldflags)' | tr '\n' ' ' || true)
  if [ -z "$want" ]; then
    die "$2 built here has sha256 $got, but pins/engine-pins.json pins none for $platform ($3): it was not installed and will not run. A maintainer pins it with: bash cli/setup.sh --print-pins"
  fi
  if [ "$toolchain" != "$go_toolchain" ]; then
    die "$2 built here has sha256 $got, not the pinned $want: it was built by $toolchain, the pin by $go_toolchain. It was not installed and will not run; install $go_toolchain (or let go fetch it: check GOPROXY) and run setup again."
  fi
  die "$2 built here has sha256 $got, not the pinned $want, with the pinned toolchain $go_toolchain (build settings: ${settings:-unknown}). It was not installed and will not run: the module content differs from the pinned build (check GOPROXY/GOFLAGS/GONOSUMDB), or the pin is wrong."
}

# --- pins ------------------------------------------------------------------------------
pin providers.names; providers=$REPLY
pin opentofu.version; tofu_version=$REPLY

if [ "$mode" = print-pins ]; then
  new_tmp "${TMPDIR:-/tmp}"; scratch=$REPLY
  if [ "$what" != opentofu ]; then
    for name in $providers; do
      pin "providers.$name.source"; source=$REPLY
      pin "providers.$name.version"; provider_version=$REPLY
      for goarch in amd64 arm64; do
        build_provider "$scratch" "$goarch"; sha256_of "$REPLY"
        printf 'providers.%s.sha256.linux_%s\t%s\n' "$name" "$goarch" "$REPLY"
      done
    done
  fi
  if [ "$what" != provider ]; then
    for goarch in amd64 arm64; do
      build_tofu "$scratch" "$goarch"; sha256_of "$REPLY"
      printf 'opentofu.sha256.linux_%s\t%s\n' "$goarch" "$REPLY"
    done
  fi
  exit 0
fi

cache_dir
# One setup at a time per cache (two would build into and verify the same files).
exec 9>>"$cache/setup.lock"
if command -v flock >/dev/null; then flock -w 900 9 || die "another setup has held $cache/setup.lock for 15 minutes"; fi
# Written again only after everything below is verified: until then cli/with-engine.sh runs setup.
rm -f -- "$cache/setup.stamp"
rm -rf -- "$cache"/tmp.*

# --- engine --------------------------------------------------------------------------
version_at_least() { # $1 >= $2 (dotted numbers)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# First executable regular file named $1 in an absolute PATH directory, never our own
# engine-bin (on PATH once the env file is sourced: finding the shim would make it call
# itself). cli/with-engine.sh resolves the engine with the same rule.
find_engine() {
  local dir dirs
  IFS=: read -r -a dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    if [[ $dir == /* && $dir != "$cache/engine-bin" && -f $dir/$1 && -x $dir/$1 ]]; then REPLY=$dir/$1; return 0; fi
  done
  return 1
}

tofu_bin=$cache/bin/tofu-$tofu_version
# The built OpenTofu, verified against its pin before it ever runs; rebuilt when missing or wrong.
ensure_tofu() {
  local got
  [ -n "${PIN[opentofu.sha256.$platform]-}" ] \
    || die "pins/engine-pins.json pins no sha256 for OpenTofu $tofu_version on $platform: setup runs no unverified binary. Put terraform or tofu on PATH, or have a maintainer pin it: bash cli/setup.sh --print-pins opentofu"
  mkdir -p "$cache/bin"
  if [[ -e $tofu_bin || -L $tofu_bin ]]; then
    got=
    if [[ -f $tofu_bin && ! -L $tofu_bin ]]; then sha256_of "$tofu_bin"; got=$REPLY; fi
    [ "$got" = "${PIN[opentofu.sha256.$platform]-}" ] && [ -n "$got" ] && return 0
    warn "$tofu_bin does not match its pinned sha256 (${got:-not a regular file}): it was not run; removed, building it again"
    rm -rf -- "$tofu_bin"
  fi
  build_tofu "$cache" "$arch"
  local fresh=$REPLY
  check_built "$fresh" "OpenTofu $tofu_version" "opentofu.sha256.$platform"
  chmod 0755 "$fresh"
  mv -f -- "$fresh" "$tofu_bin"
}

choice=${CUTTER_ENGINE:-auto}
engine_entry=
case $choice in
  auto) find_engine tofu || find_engine terraform || REPLY=built ;;
  tofu) find_engine tofu || REPLY=built ;;
  terraform) find_engine terraform || die "CUTTER_ENGINE=terraform but no terraform on PATH; use CUTTER_ENGINE=tofu to build OpenTofu" ;;
  *) die "CUTTER_ENGINE='$choice' is not one of auto, terraform, tofu" ;;
esac
engine_entry=$REPLY
if [ "$engine_entry" = built ]; then
  ensure_tofu
  engine_real=$tofu_bin
else
  engine_real=$(readlink -f -- "$engine_entry") || die "cannot resolve $engine_entry"
fi
engine_dirs=()
if [ "$engine_entry" != built ]; then
  safe_path "the engine" "$engine_entry"
  safe_path "the engine" "$engine_real"
  # Run only an engine no other user can replace: the file, its link, and their directories.
  engine_dirs=("${engine_entry%/*}")
  [ "${engine_real%/*}" = "${engine_entry%/*}" ] || engine_dirs+=("${engine_real%/*}")
  out=$(stat --printf "$STAT_FORMAT" -- "$engine_entry" "$engine_real" "${engine_dirs[@]}") || die "cannot stat the engine $engine_entry"
  while IFS= read -r line; do
    case ${line%%$'\t'*} in
      "$engine_entry"|"$engine_real") check_trusted "$line" no any ;;
      *) check_trusted "$line" sticky-ok dir ;;
    esac
  done <<<"$out"
fi
engine_line=$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$engine_real" version 2>/dev/null) \
  || die "$engine_real version failed"
engine_line=${engine_line%%$'\n'*}
if [[ $engine_line =~ ^(OpenTofu|Terraform)\ v([0-9]+\.[0-9]+\.[0-9]+[^ ]*) ]]; then
  engine_version=${BASH_REMATCH[2]}
  if [ "${BASH_REMATCH[1]}" = OpenTofu ]; then engine_kind=tofu; else engine_kind=terraform; fi
else
  die "$engine_real version printed '$engine_line', not 'Terraform vX.Y.Z' or 'OpenTofu vX.Y.Z'"
fi
pin "minimumEngine.$engine_kind"; minimum=$REPLY
version_at_least "$engine_version" "$minimum" \
  || die "$engine_real is $engine_kind $engine_version; cutter-runtime needs $engine_kind >= $minimum (check blocks, terraform_data)"
say "engine: $engine_kind $engine_version ($engine_real)"

# --- providers -------------------------------------------------------------------------
# The expected mirror: every directory and file, nothing else.
declare -A mirror_expected=()
binaries=()          # every binary setup relies on, with the pin it must match
declare -A binary_pin=()
includes=()
provider_builds=()
for name in $providers; do
  pin "providers.$name.source"; source=$REPLY
  pin "providers.$name.version"; provider_version=$REPLY
  [ -n "${PIN[providers.$name.sha256.$platform]-}" ] \
    || die "pins/engine-pins.json pins no sha256 for provider $source $provider_version on $platform: setup runs no unverified binary. A maintainer pins it with: bash cli/setup.sh --print-pins provider"
  built=$cache/build/$name-$provider_version/terraform-provider-$name
  provider_builds+=("$name|$source|$provider_version|$built")
  binaries+=("$built"); binary_pin[$built]=${PIN[providers.$name.sha256.$platform]}
  for host in registry.terraform.io registry.opentofu.org; do
    p=$cache/mirror
    for part in "$host" "${source%%/*}" "${source#*/}" "$provider_version" "$platform"; do
      p=$p/$part; mirror_expected[$p]=d
    done
    mirror_expected[$p/terraform-provider-${name}_v$provider_version]=f
    binaries+=("$p/terraform-provider-${name}_v$provider_version")
    binary_pin[$p/terraform-provider-${name}_v$provider_version]=${PIN[providers.$name.sha256.$platform]}
    includes+=("\"$host/$source\"")
  done
done
if [ "$engine_entry" = built ]; then binaries+=("$tofu_bin"); binary_pin[$tofu_bin]=${PIN[opentofu.sha256.$platform]}; fi

# Makes the provider build match its pin: an existing binary that does not is removed (never run).
ensure_provider_builds() {
  local entry name source provider_version built got fresh
  for entry in "${provider_builds[@]}"; do
    IFS='|' read -r name source provider_version built <<<"$entry"
    if [[ -e $built || -L $built ]]; then
      got=${HASH[$built]-}
      [ "$got" = "${binary_pin[$built]}" ] && continue
      warn "$built does not match its pinned sha256 (${got:-not a regular file}): it was not run; removed, building it again"
      rm -rf -- "$built"
    fi
    mkdir -p "${built%/*}"
    build_provider "$cache" "$arch"
    fresh=$REPLY
    check_built "$fresh" "provider $source $provider_version" "providers.$name.sha256.$platform"
    chmod 0755 "$fresh"
    mv -f -- "$fresh" "$built"
    HASH[$built]=${binary_pin[$built]}
    repaired=1
  done
}

# The mirror holds exactly the verified provider copies; anything else there is removed.
ensure_mirror() {
  local listing line kind path extra=() entry name source provider_version built target reset=
  listing=$(find "$cache/mirror" -mindepth 1 -printf '%y %p\n' 2>/dev/null || true)
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    kind=${line%% *}; path=${line#* }
    [ "${mirror_expected[$path]-}" = "$kind" ] || extra+=("$path")
  done <<<"$listing"
  if [ ${#extra[@]} -gt 0 ]; then
    warn "unexpected entries in the provider mirror (${extra[*]:0:3}$([ ${#extra[@]} -le 3 ] || echo " …")): the mirror was removed and is rebuilt from the verified build"
    rm -rf -- "$cache/mirror"
    repaired=1 reset=1
  fi
  for entry in "${provider_builds[@]}"; do
    IFS='|' read -r name source provider_version built <<<"$entry"
    for host in registry.terraform.io registry.opentofu.org; do
      target=$cache/mirror/$host/$source/$provider_version/$platform/terraform-provider-${name}_v$provider_version
      if [ -z "$reset" ] && [ "${HASH[$target]-}" = "${binary_pin[$target]}" ]; then continue; fi
      if [[ -e $target || -L $target ]]; then
        warn "$target does not match its pinned sha256: it was not run; replaced by the verified build"
      fi
      mkdir -p "${target%/*}"
      rm -rf -- "$target"
      cp -- "$built" "$target.tmp" && chmod 0755 "$target.tmp" && mv -f -- "$target.tmp" "$target"
      repaired=1
    done
  done
}

# --- engine shim, CLI config and environment ------------------------------------------------
include_list=$(IFS=,; echo "${includes[*]}")
rc=$cache/terraform.rc
shim=$cache/engine-bin/$engine_kind

# cdktf looks the engine up by name on PATH: put a shim named after its kind first.
# With no lock file, cdktf runs `providers lock`, which asks the registry even when
# a mirror is configured; the shim answers it from the mirror instead.
# The cdktf CLI runs the engine in a pseudo-terminal and stops reading it when the engine
# exits (node-pty reports the exit before the last output is read), so the end of the
# output (the closing "Apply complete!", the reasons of a refusal) was lost: on a terminal
# the shim waits a moment after the engine exits, while the CLI reads the rest. A pipe (npm
# run …, tests) loses nothing and is not delayed. A Ctrl+C still reaches the engine (the
# trap only keeps the shim waiting for it).
shim_text="#!/bin/sh
# Written by cutter-runtime cli/setup.sh: $engine_kind $engine_version, offline.
if [ \"\$1\" = providers ] && [ \"\$2\" = lock ]; then
  shift 2
  exec '$engine_real' providers lock -fs-mirror='$cache/mirror' \"\$@\"
fi
if [ -t 1 ]; then
  trap : INT TERM
  '$engine_real' \"\$@\"
  code=\$?
  sleep 0.5
  exit \$code
fi
exec '$engine_real' \"\$@\""
rc_text="# Written by cutter-runtime cli/setup.sh: providers come only from the local
# filesystem mirror; there is no direct{} block, so no registry is ever asked.
provider_installation {
  filesystem_mirror {
    path    = \"$cache/mirror\"
    include = [$include_list]
  }
}
plugin_cache_dir = \"$cache/plugin-cache\"
disable_checkpoint = true"
env_text="export TF_CLI_CONFIG_FILE='$rc'
export TERRAFORM_BINARY_NAME='$engine_kind'
export CHECKPOINT_DISABLE=1
export CDKTF_DISABLE_PLUGIN_CACHE_ENV=1
export DISABLE_VERSION_CHECK=1
export TF_IN_AUTOMATION=1
export CUTTER_ENGINE_PATH='$shim'
export PATH='$cache/engine-bin':\"\$PATH\"
# engine: $engine_kind $engine_version"
env_json_text="{
  \"engine\": {
    \"kind\": \"$engine_kind\",
    \"version\": \"$engine_version\",
    \"path\": \"$shim\"
  },
  \"pathPrefix\": \"$cache/engine-bin\",
  \"env\": {
    \"TF_CLI_CONFIG_FILE\": \"$rc\",
    \"TERRAFORM_BINARY_NAME\": \"$engine_kind\",
    \"CHECKPOINT_DISABLE\": \"1\",
    \"CDKTF_DISABLE_PLUGIN_CACHE_ENV\": \"1\",
    \"DISABLE_VERSION_CHECK\": \"1\",
    \"TF_IN_AUTOMATION\": \"1\",
    \"CUTTER_ENGINE_PATH\": \"$shim\"
  }
}"

# Writes $1 with content $2 and mode $3 unless it already holds exactly that (a regular file).
ensure_file() { # path content mode
  local current=
  if [[ -f $1 && ! -L $1 ]]; then current=$(<"$1"); [ "$current" = "$2" ] && return 0; fi
  rm -rf -- "$1.tmp"
  printf '%s\n' "$2" >"$1.tmp"
  chmod "$3" "$1.tmp"
  mv -f -- "$1.tmp" "$1"
  repaired=1
}
# engine-bin is first on PATH: it must hold the shim and nothing else (a planted `node` there would run).
ensure_engine_bin() {
  local entry extra=()
  for entry in "$cache/engine-bin"/* "$cache/engine-bin"/.[!.]*; do
    [[ -e $entry || -L $entry ]] || continue
    [ "$entry" = "$shim" ] || extra+=("$entry")
  done
  if [ ${#extra[@]} -gt 0 ]; then
    warn "unexpected entries in $cache/engine-bin (${extra[*]:0:3}): removed (that directory is first on PATH)"
    rm -rf -- "${extra[@]}"
    repaired=1
  fi
  mkdir -p "$cache/engine-bin"
  ensure_file "$shim" "$shim_text" 0755
}

# --- verify, repair, stamp ---------------------------------------------------------------------
# Everything the stamp covers, by class. "up": the directories above the cache; "dir": the cache
# itself and the plugin cache (the engine writes into it): both compared without size and times
# and checked against the trust rule on every run ("up" may be a root-owned sticky directory such
# as /tmp). "file": compared in full (a changed ctime or inode means re-verify).
stamp_entries() {
  local p entry name source provider_version built part
  STAMP_CLASS=(); STAMP_PATHS=()
  for p in "${chain[@]}"; do if [ "$p" = "$cache" ]; then STAMP_CLASS+=(dir); else STAMP_CLASS+=(up); fi; STAMP_PATHS+=("$p"); done
  STAMP_CLASS+=(dir); STAMP_PATHS+=("$cache/plugin-cache")
  for p in "$here/setup.sh" "$pins"; do STAMP_CLASS+=(file); STAMP_PATHS+=("$p"); done
  if [ "$engine_entry" = built ]; then
    STAMP_CLASS+=(file file); STAMP_PATHS+=("$cache/bin" "$tofu_bin")
  else
    for p in "${engine_dirs[@]}"; do STAMP_CLASS+=(up); STAMP_PATHS+=("$p"); done
    STAMP_CLASS+=(file); STAMP_PATHS+=("$engine_entry")
    [ "$engine_real" = "$engine_entry" ] || { STAMP_CLASS+=(file); STAMP_PATHS+=("$engine_real"); }
  fi
  for entry in "${provider_builds[@]}"; do
    IFS='|' read -r name source provider_version built <<<"$entry"
    STAMP_CLASS+=(file file file); STAMP_PATHS+=("$cache/build" "${built%/*}" "$built")
  done
  STAMP_CLASS+=(file); STAMP_PATHS+=("$cache/mirror")
  for p in "${!mirror_expected[@]}"; do STAMP_CLASS+=(file); STAMP_PATHS+=("$p"); done
  STAMP_CLASS+=(file file file file file); STAMP_PATHS+=("$cache/engine-bin" "$shim" "$rc" "$cache/env" "$cache/env.json")
}

declare -A HASH=()
hash_binaries() {
  local f out line
  HASH=()
  local readable=()
  for f in "${binaries[@]}"; do [[ -f $f && ! -L $f ]] && readable+=("$f"); done
  [ ${#readable[@]} -gt 0 ] || return 0
  out=$(sha256sum -- "${readable[@]}") || die "cannot read the binaries in $cache"
  while IFS= read -r line; do HASH[${line#*  }]=${line%%  *}; done <<<"$out"
}

mkdir -p "$cache/plugin-cache" "$cache/build" "$cache/mirror" "$cache/engine-bin"
stamp_entries
verified=
# What must not change while verified: files in full; directories others write into (up, dir:
# /tmp, the plugin cache) without size and times, as cli/with-engine.sh compares them.
stable_view() { # stat output
  local line i=0 out=
  while IFS= read -r line; do
    case ${STAMP_CLASS[$i]-} in up|dir) line=${line%$'\t'*$'\t'*$'\t'*} ;; esac
    out+=$line$'\n'; i=$((i + 1))
  done <<<"$1"
  REPLY=$out
}
for _ in 1 2 3; do
  before=$(stat --printf "$STAT_FORMAT" -- "${STAMP_PATHS[@]}" 2>/dev/null || true)
  stable_view "$before"; before=$REPLY
  repaired=
  hash_binaries
  [ "$engine_entry" != built ] || [ "${HASH[$tofu_bin]-}" = "${binary_pin[$tofu_bin]}" ] \
    || die "$tofu_bin changed after it was verified (sha256 ${HASH[$tofu_bin]:-unreadable}): run setup again"
  ensure_provider_builds
  ensure_mirror
  ensure_engine_bin
  ensure_file "$rc" "$rc_text" 0644
  ensure_file "$cache/env" "$env_text" 0644
  ensure_file "$cache/env.json" "$env_json_text" 0644
  [ -z "$repaired" ] || continue
  after=$(stat --printf "$STAT_FORMAT" -- "${STAMP_PATHS[@]}") || die "a verified file vanished while setup ran"
  stable_view "$after"
  if [ "$before" = "$REPLY" ]; then verified=1; break; fi
done
[ -n "$verified" ] || die "files in $cache kept changing while setup verified them (another process writing there?); nothing was stamped: run setup again"

# The trust rule for everything stamped (the cache's own files and the engine).
i=0
while IFS= read -r line; do
  case ${STAMP_CLASS[$i]}:${STAMP_PATHS[$i]} in
    up:*) check_trusted "$line" sticky-ok dir ;;
    dir:*) check_trusted "$line" no dir ;;
    "file:$here/setup.sh"|"file:$pins") ;; # the project's own files, like the rest of its code
    *) check_trusted "$line" no any ;;
  esac
  i=$((i + 1))
done <<<"$after"

{
  printf 'cutter-runtime setup stamp 1\n'
  printf 'key\t%s\t%s\t%s\t%s\n' "$EUID" "$cache" "$here" "$engine_entry"
  i=0
  while IFS= read -r line; do printf '%s\t%s\n' "${STAMP_CLASS[$i]}" "$line"; i=$((i + 1)); done <<<"$after"
} >"$cache/setup.stamp.tmp"
mv -f -- "$cache/setup.stamp.tmp" "$cache/setup.stamp"
say "mirror: $cache/mirror ($providers, sha256 verified)"
say "environment: . '$cache/env'"
# CUTTER_CDK=cdktn: CDK Terrain beside cdktf (docs/cdk-terrain.md); nothing to do otherwise.
case ${CUTTER_CDK-} in "" | cdktf) ;; *) bash "$here/terrain-setup.sh" ;; esac
