#!/usr/bin/env bash
# Set up everything and run the whole test suite: lint, types, unit, emulator and end-to-end tests.
# Extra arguments go to pytest (e.g. `tools/test.sh -k emulator`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
start=$(date +%s)
eval "$(tools/setup.sh)"
lint_bin=$(tools/test-servers.sh)
echo "test.sh: set-up took $(( $(date +%s) - start ))s" >&2
. tools/env.sh

ruff check .
ruff format --check .
mypy
mypy policy/__main__.py  # the policy pack is a program of its own, outside the package
# The CI templates: workflow syntax, expressions, script injection, and every `run:` through shellcheck.
"$lint_bin/actionlint" -shellcheck="$(command -v shellcheck)" -pyflakes= .github/workflows/*.yml
shellcheck tools/*.sh tools/pulumi/build.sh .ci/run
# -n 2: the machines have two cores; end-to-end tests spend most of their time waiting on the engine.
status=0
pytest -n 2 "$@" || status=$?
if [ "$status" -eq 5 ]; then
  # pytest's "no tests collected": a suite that ran nothing must not look green.
  echo "test.sh: pytest collected no tests (arguments: ${*:-none})" >&2
  exit 1
fi
exit "$status"
