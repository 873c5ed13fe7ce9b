#!/usr/bin/env bash
# npm run setup: an offline engine and provider mirror for cutter-runtime.
#
# The Terraform registry is never contacted. The engine is `tofu` or `terraform`
# from PATH, or OpenTofu built from the Go module proxy; the `local` provider is
# built from the Go module proxy and served through a filesystem mirror named in
# a CLI config file. Everything lands in $CUTTER_CACHE_DIR (default
# ~/.cache/cutter-runtime); a second run only checks stamps and takes seconds.
#
# Outputs (read by tools/with-engine.sh, the tests and the bench):
#   $CACHE/terraform.rc   CLI config: filesystem_mirror only, no direct install
#   $CACHE/mirror/...     registry layout for registry.terraform.io and registry.opentofu.org
#   $CACHE/env            `export` lines for a shell (README's environment line)
#   $CACHE/env.json       the same for programs
#
# CUTTER_ENGINE=auto|terraform|tofu picks the engine (auto: tofu, then terraform,
# from PATH, else build tofu). CUTTER_ENGINE=tofu builds OpenTofu when none is on PATH.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${CUTTER_CACHE_DIR:-$HOME/.cache/cutter-runtime}
pins=$here/engine-pins.json
quiet=${CUTTER_SETUP_QUIET:-}

say() { [ -n "$quiet" ] || printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "node is required (Node.js 20)"
# Every pin as "dotted.key<TAB>value", read with one node start (each start costs ~50 ms).
pins_flat=$(node -e '
const walk = (v, k) => (v && typeof v === "object" ? Object.entries(v).flatMap(([c, w]) => walk(w, k ? k + "." + c : c)) : [k + "\t" + v]);
const p = require(process.argv[1]);
process.stdout.write([...walk(p, ""), "providers.names\t" + Object.keys(p.providers).join(" ")].join("\n"));
' "$pins")
pin() { printf '%s\n' "$pins_flat" | awk -F '\t' -v k="$1" '$1 == k { print $2; exit }'; }

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# Run from inside tools/with-engine.sh (nested npm scripts), PATH already starts
# with our own engine link: never resolve the engine to it (a link to itself).
PATH=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$cache/engine-bin" | paste -sd: -)

case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac
platform=linux_$arch

# --- engine ------------------------------------------------------------------
version_at_least() { # $1 >= $2 (dotted numbers)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

build_tofu() {
  local version module replace src bin
  version=$(pin opentofu.version); module=$(pin opentofu.goModule); replace=$(pin opentofu.goReplace)
  bin=$cache/bin/tofu-$version
  if [ -x "$bin" ]; then echo "$bin"; return; fi
  command -v go >/dev/null || die "no tofu/terraform on PATH and no Go toolchain to build OpenTofu"
  say "building OpenTofu $version from the Go module proxy (a few minutes, once)"
  # OpenTofu's go.mod has a replace directive, so `go install module@version`
  # refuses it: build it from a small module that requires it and repeats the replace.
  src=$cache/src/tofu-$version
  mkdir -p "$src" "$cache/bin"
  cat >"$src/go.mod" <<EOF
module cutter-runtime.local/tofu-build

go 1.24

godebug tlsmlkem=0

require $module v$version

replace $replace
EOF
  cat >"$src/tools.go" <<'EOF'
//go:build tools

package tools

import _ "github.com/opentofu/opentofu/cmd/tofu"
EOF
  (cd "$src" && GOFLAGS=-mod=mod go mod tidy >&2 && GOFLAGS=-mod=mod go build -trimpath -ldflags "-X $module/version.dev=no" -o "$bin.tmp" "$module/cmd/tofu" >&2) \
    || die "building OpenTofu $version failed (see above); command: cd $src && go build $module/cmd/tofu"
  mv "$bin.tmp" "$bin"
  echo "$bin"
}

# Look engines up on PATH without our own shim directory (it is on PATH once the
# env file is sourced; finding the shim would make it call itself).
search_path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -vxF "$cache/engine-bin" | paste -sd: -)
find_engine() { PATH=$search_path command -v "$1" || true; }

choice=${CUTTER_ENGINE:-auto}
engine_path=
case $choice in
  auto)
    engine_path=$(find_engine tofu)
    [ -n "$engine_path" ] || engine_path=$(find_engine terraform)
    [ -n "$engine_path" ] || engine_path=$(build_tofu) ;;
  tofu)
    engine_path=$(find_engine tofu)
    [ -n "$engine_path" ] || engine_path=$(build_tofu) ;;
  terraform)
    engine_path=$(find_engine terraform)
    [ -n "$engine_path" ] || die "CUTTER_ENGINE=terraform but no terraform on PATH; use CUTTER_ENGINE=tofu to build OpenTofu" ;;
  *) die "CUTTER_ENGINE='$choice' is not one of auto, terraform, tofu" ;;
esac

engine_version_json=$(TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$engine_path" version -json 2>/dev/null) \
  || die "$engine_path version -json failed"
engine_version=$(printf '%s\n' "$engine_version_json" | sed -n 's/^ *"terraform_version": *"\([^"]*\)".*/\1/p')
[ -n "$engine_version" ] || die "$engine_path version -json printed no terraform_version"
if "$engine_path" version 2>/dev/null | head -n1 | grep -q OpenTofu; then engine_kind=tofu; else engine_kind=terraform; fi
minimum=$(pin "minimumEngine.$engine_kind")
version_at_least "$engine_version" "$minimum" \
  || die "$engine_path is $engine_kind $engine_version; cutter-runtime needs $engine_kind >= $minimum (check blocks, terraform_data)"

# cdktf looks the engine up by name on PATH: put a shim named after its kind first.
# With no lock file, cdktf runs `providers lock`, which asks the registry even when
# a mirror is configured; the shim answers it from the mirror instead.
mkdir -p "$cache/engine-bin"
shim=$cache/engine-bin/$engine_kind
rm -f "$shim.tmp"
cat >"$shim.tmp" <<EOF
#!/bin/sh
# Written by cutter-runtime tools/setup.sh: $engine_kind $engine_version, offline.
if [ "\$1" = providers ] && [ "\$2" = lock ]; then
  shift 2
  exec '$engine_path' providers lock -fs-mirror='$cache/mirror' "\$@"
fi
exec '$engine_path' "\$@"
EOF
chmod 0755 "$shim.tmp"
mv -f "$shim.tmp" "$shim"
say "engine: $engine_kind $engine_version ($engine_path)"

# --- providers -----------------------------------------------------------------
providers=$(pin providers.names)
includes=()
for name in $providers; do
  source=$(pin "providers.$name.source"); version=$(pin "providers.$name.version")
  module=$(pin "providers.$name.goModule"); goversion=$(pin "providers.$name.goVersion")
  built=$cache/build/$name-$version/terraform-provider-$name
  if [ ! -x "$built" ]; then
    command -v go >/dev/null || die "building provider $source $version needs the Go toolchain"
    say "building provider $source $version ($module@$goversion) from the Go module proxy"
    mkdir -p "$(dirname "$built")"
    GOBIN=$(dirname "$built") GOFLAGS=-mod=mod go install -trimpath "$module@$goversion" \
      || die "go install $module@$goversion failed (see above)"
    [ -x "$built" ] || die "go install $module@$goversion produced no terraform-provider-$name"
  fi
  for host in registry.terraform.io registry.opentofu.org; do
    dir=$cache/mirror/$host/$source/$version/$platform
    target=$dir/terraform-provider-${name}_v$version
    if ! cmp -s "$built" "$target" 2>/dev/null; then
      mkdir -p "$dir"
      cp "$built" "$target.tmp" && mv "$target.tmp" "$target"
    fi
    includes+=("\"$host/$source\"")
  done
done

# --- CLI config and environment --------------------------------------------------
include_list=$(IFS=,; echo "${includes[*]}")
rc=$cache/terraform.rc
cat >"$rc.tmp" <<EOF
# Written by cutter-runtime tools/setup.sh: providers come only from the local
# filesystem mirror; there is no direct{} block, so no registry is ever asked.
provider_installation {
  filesystem_mirror {
    path    = "$cache/mirror"
    include = [$include_list]
  }
}
plugin_cache_dir = "$cache/plugin-cache"
disable_checkpoint = true
EOF
mv "$rc.tmp" "$rc"
mkdir -p "$cache/plugin-cache"

binary_name=$engine_kind
cat >"$cache/env.tmp" <<EOF
export TF_CLI_CONFIG_FILE='$rc'
export TERRAFORM_BINARY_NAME='$binary_name'
export CHECKPOINT_DISABLE=1
export CDKTF_DISABLE_PLUGIN_CACHE_ENV=1
export DISABLE_VERSION_CHECK=1
export CUTTER_ENGINE_PATH='$cache/engine-bin/$engine_kind'
export PATH='$cache/engine-bin':"\$PATH"
# engine: $engine_kind $engine_version
EOF
if cmp -s "$cache/env.tmp" "$cache/env" && [ -f "$cache/env.json" ]; then
  rm -f "$cache/env.tmp" # unchanged: env.json (written from the same values) is current too
else
mv "$cache/env.tmp" "$cache/env"
node -e '
const [rc, kind, bin, version, cache] = process.argv.slice(1);
const env = { TF_CLI_CONFIG_FILE: rc, TERRAFORM_BINARY_NAME: kind, CHECKPOINT_DISABLE: "1",
  CDKTF_DISABLE_PLUGIN_CACHE_ENV: "1", DISABLE_VERSION_CHECK: "1", CUTTER_ENGINE_PATH: bin };
const out = { engine: { kind, version, path: bin }, pathPrefix: cache + "/engine-bin", env };
require("fs").writeFileSync(cache + "/env.json.tmp", JSON.stringify(out, null, 2) + "\n");
require("fs").renameSync(cache + "/env.json.tmp", cache + "/env.json");
' "$rc" "$engine_kind" "$cache/engine-bin/$engine_kind" "$engine_version" "$cache"
fi
say "mirror: $cache/mirror ($providers)"
say "environment: . '$cache/env'"
