#!/usr/bin/env bash
# Provide the Pulumi CLI and its Python language host for this project.
#
# Prebuilt Pulumi binaries cannot be downloaded on our machines, but the Go module proxy can be reached,
# so the CLI is compiled from the pinned modules in this folder's go.mod/go.sum. The result lives in
# .tools/pulumi/bin (ignored by git). A `pulumi` already on PATH is used instead when it is at least the
# pinned version and brings its Python language host along.
#
# Prints the bin folder to use on stdout (nothing else); progress goes to stderr.
# A second run with everything built checks a stamp and returns in well under a second.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bin="$root/.tools/pulumi/bin"
version=$(sed -n 's/^[[:space:]]*github.com\/pulumi\/pulumi\/pkg\/v3 \(v[0-9.]*\).*/\1/p' "$here/go.mod" | head -n1)
[ -n "$version" ] || { echo "build.sh: cannot read the pinned pkg/v3 version from $here/go.mod" >&2; exit 1; }
semver() { printf '%s\n' "${1#v}" | awk -F. '{ printf "%05d%05d%05d\n", $1, $2, $3 }'; }

# 1. A suitable pulumi on PATH (and not our own build): use it.
if [ "${NETMERA_IAC_BUILD_PULUMI:-}" != "1" ] && existing=$(command -v pulumi 2>/dev/null) \
   && [ "$(dirname "$(readlink -f "$existing")")" != "$(readlink -f "$bin" 2>/dev/null || echo none)" ]; then
  have=$("$existing" version 2>/dev/null || true)
  dir=$(dirname "$(readlink -f "$existing")")
  if [ -n "$have" ] && [ "$(semver "$have")" \> "$(semver v3.271.999)" ] \
     && { command -v pulumi-language-python >/dev/null 2>&1 || [ -x "$dir/pulumi-language-python" ]; }; then
    echo "build.sh: using $existing ($have) from PATH" >&2
    echo "$dir"
    exit 0
  fi
  echo "build.sh: ignoring $existing (${have:-no version}): need >= v3.272.0 with pulumi-language-python" >&2
fi

# 2. Our own build, if it is current. The stamp covers every input of the build.
stamp_input=$(cat "$here/go.mod" "$here/go.sum" "$here/build.sh" "$here"/cmd/pulumi-language-python/*.go | sha256sum | cut -d' ' -f1)
stamp="$bin/.stamp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_input" ] \
   && [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-python" ] \
   && [ -x "$bin/pulumi-language-python-exec" ] && [ -x "$bin/pulumi-resource-pulumi-python" ]; then
  echo "$bin"
  exit 0
fi

# 3. Build. Needs Go >= 1.26 (go.mod's go line) and the Go module proxy.
command -v go >/dev/null 2>&1 || { echo "build.sh: Go is required to build the Pulumi CLI (none on PATH)" >&2; exit 1; }
echo "build.sh: building Pulumi $version from Go modules into $bin (a cold build takes several minutes)" >&2
mkdir -p "$bin"
start=$(date +%s)
cd "$here"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly"
# Both binaries read their version from the same variable; an unstamped CLI breaks the Automation API.
go build -trimpath -tags osusergo,grpcnotrace \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$bin/" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./cmd/pulumi-language-python
# The two scripts the engine runs beside the binaries ship inside the sdk module; copy them, never commit them.
sdk=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$bin/"
# The dynamic-provider host becomes ours (netmera_iac.adapters.host: Pulumi's host, able to record
# partial applies); everything else in the script stays upstream's.
sed 's/-m pulumi\.dynamic/-m netmera_iac.adapters.host/' "$sdk/python/dist/pulumi-resource-pulumi-python" \
  > "$bin/pulumi-resource-pulumi-python"
chmod 0755 "$bin/pulumi-resource-pulumi-python"
grep -q 'netmera_iac.adapters.host' "$bin/pulumi-resource-pulumi-python" \
  || { echo "build.sh: the sdk's pulumi-resource-pulumi-python no longer runs 'pulumi.dynamic'" >&2; exit 1; }
got=$("$bin/pulumi" version)
[ "$got" = "$version" ] || { echo "build.sh: built pulumi reports '$got', expected $version" >&2; exit 1; }
echo "$stamp_input" > "$stamp"
echo "build.sh: built pulumi $got in $(( $(date +%s) - start ))s" >&2
echo "$bin"
