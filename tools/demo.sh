#!/usr/bin/env bash
# Set up everything and run the main job: start the local Netmera emulator (the embedded default
# target), `pulumi up` the `demo` stack against it, then show that a second preview has no changes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
eval "$(tools/setup.sh)"
. tools/env.sh
# The demo stack's public passphrase (its only secret is the emulator's public demo key); the program
# refuses it for any other stack.
if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="netmera-iac-demo-only"
fi

port=${NETMERA_EMULATOR_PORT:-8890}
mkdir -p .netmera
echo "demo.sh: starting the Netmera emulator on 127.0.0.1:$port (state in .netmera/emulator.db)"
netmera-iac emulator serve --port "$port" --db .netmera/emulator.db --fixture demo > .netmera/emulator.log 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/openapi.json" 2>/dev/null; then break; fi
  if ! kill -0 "$emulator" 2>/dev/null; then
    echo "demo.sh: the emulator did not start (port $port busy?):" >&2; cat .netmera/emulator.log >&2; exit 1
  fi
  sleep 0.1
done

pulumi stack select demo --create --non-interactive
# The demo stack's config points at this port; keep them in step if NETMERA_EMULATOR_PORT is set.
pulumi config set netmera:baseUrl "http://127.0.0.1:$port/rest/3.0"

echo; echo "== pulumi up (demo stack -> local emulator)"
pulumi up --yes --non-interactive --refresh --diff

echo; echo "== second preview: expecting no changes"
pulumi preview --non-interactive --expect-no-changes --diff
echo; echo "demo.sh: done. The second preview had no changes."
