#!/usr/bin/env bash
# Set up everything this project needs on a fresh machine; cheap to run again.
#   - .venv with the package and its pinned dependencies (re-installed only when pyproject.toml changes)
#   - the Pulumi CLI and Python language host (tools/pulumi/build.sh: PATH, cache, or a Go build)
# Prints `export PATH=...` for the Pulumi bin folder on stdout so callers can `eval "$(tools/setup.sh)"`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# Go is installed under /usr/local/go on our machines but not always on a non-login PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "setup.sh: Python >= 3.11 is required ($python is $("$python" --version 2>&1))" >&2; exit 1; }

# NETMERA_IAC_EXTRAS: the optional dependencies to install (default `dev`, what the tests need; the CI
# templates set it empty, as they only run netmera-iac). The stamp covers it, so changing it reinstalls.
extras=${NETMERA_IAC_EXTRAS-dev}
stamp_input=$( (cat pyproject.toml; echo "extras=$extras") | sha256sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.stamp 2>/dev/null)" != "$stamp_input" ]; then
  echo "setup.sh: installing the Python environment into .venv" >&2
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras:+[$extras]}" >&2
  echo "$stamp_input" > .venv/.stamp
fi

bin=$(tools/pulumi/build.sh)
echo "export PATH=\"$bin:$root/.venv/bin:\$PATH\""
