# shellcheck shell=bash
# Offline-safe Pulumi settings shared by every script and test. Source it: `. tools/env.sh`.
#
# - state goes to a local file backend inside the project (.pulumi/state, ignored), never to a cloud;
# - PULUMI_HOME is project-local, so nothing leaks into or out of ~/.pulumi;
# - no update checks, no automatic plugin downloads, no registry look-ups (these machines are offline);
# - secrets use the passphrase provider. No passphrase is set here: tools/demo.sh gives the `demo`
#   stack its public one (its only secret is the emulator's public demo key), the tests give theirs,
#   and any real stack (e.g. `production`) needs its own PULUMI_CONFIG_PASSPHRASE (or _FILE) from a
#   secret store; the program refuses the demo passphrase for any stack but `demo`.
NETMERA_IAC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export NETMERA_IAC_ROOT
export PULUMI_HOME="${PULUMI_HOME:-$NETMERA_IAC_ROOT/.pulumi/home}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$NETMERA_IAC_ROOT/.pulumi/state}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
export PULUMI_SKIP_CONFIRMATIONS=true
# The CLI holds several copies of each large collection value (old inputs and outputs, new and checked
# inputs, the checkpoint being written); a soft memory limit makes Go's collector reclaim them before the
# process grows past it, instead of at twice the live heap. No effect on small stacks.
export GOMEMLIMIT="${GOMEMLIMIT:-768MiB}"
mkdir -p "$PULUMI_HOME" "${PULUMI_BACKEND_URL#file://}"
