#!/usr/bin/env bash
# npm run test:unit: the test files that need no engine run (plan, apply, init...), no PostgreSQL
# and no root-only feature, in seconds: synthesized JSON, scripts run directly, the generated docs.
#
# How the list is chosen: by trying. A file belongs here when it passes as a non-root user (e.g.
# `runuser -u nobody`, with the environment of `npm run setup` sourced) with
# the shims below in front of PATH: `terraform`/`tofu` answer only `version` (cdktf's synth
# validation asks it; the real engine answers), and every other engine command and every
# PostgreSQL binary is refused and logged. The engine of the operator commands (CUTTER_ENGINE_PATH)
# is the shim too, and the tests' engine environment (setup's env.json, read by
# __tests__/support/harness.ts) is absent: a listed file that starts the engine or PostgreSQL fails,
# and this script names what it ran. Everything else runs in `npm test` (all files).
set -euo pipefail
cd "$(dirname "$0")/.."
# Tried and left out: shell-functions and gate-report-units (they chown to root / expect root's
# files), plan-summary and adversarial-tree-* (they deploy), bench-options (it needs setup's engine
# environment).
UNIT_TESTS=(
  constructs validation guards-written-files safety-constructs safety-modes state-and-hosts
  tree-observation orchestrator-config readme scripts-shellcheck examples pipeline-workflow inputs-table
  guards-shared-rules
)
shims=$(mktemp -d "${TMPDIR:-/tmp}/cutter-unit-shims.XXXXXX")
trap 'rm -rf "$shims"' EXIT
log=$shims/started.log
: >"$log"
for name in terraform tofu; do
  cat >"$shims/$name" <<SHIM
#!/bin/sh
# Only \`version\` goes to the real $name (the next one on PATH after this directory).
if [ "\$1" = version ] && [ \$# -eq 1 ]; then
  PATH=\${PATH#"$shims:"} exec $name version
fi
echo "$name \$*" >>"$log"
echo "test:unit: $name \$* refused: unit tests do not run the engine" >&2
exit 1
SHIM
done
for name in initdb pg_ctl postgres psql; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\necho "test:unit: %s refused: unit tests do not start PostgreSQL" >&2\nexit 1\n' "$name" "$log" "$name" >"$shims/$name"
done
chmod 755 "$shims"/*
files=()
for name in "${UNIT_TESTS[@]}"; do files+=("dist/__tests__/$name.test.js"); done
status=0
mkdir "$shims/no-setup" "$shims/tmp"
# The tests' temporary directory is a private one: whatever a test leaves there (cdktf's output
# directories of a synth that threw were such a leak) fails the run, by name.
PATH="$shims:$PATH" TMPDIR="$shims/tmp" TERRAFORM_BINARY_NAME=terraform CUTTER_ENGINE_PATH="$shims/terraform" CUTTER_CACHE_DIR="$shims/no-setup" \
  node --test --test-reporter="${TEST_REPORTER:-spec}" "${files[@]}" || status=$?
if [ -s "$log" ]; then
  echo "test:unit: a listed test file started the engine or PostgreSQL; move it out of UNIT_TESTS in dev/test-unit.sh:" >&2
  sed 's/^/  /' "$log" >&2
  exit 1
fi
left=$(find "$shims/tmp" -mindepth 1 -maxdepth 1 -printf '  %f\n')
if [ -n "$left" ]; then
  printf 'test:unit: the tests left these in the temporary directory (each test removes what it makes):\n%s\n' "$left" >&2
  exit 1
fi
exit "$status"
