"""The base of every Netmera dynamic provider: configuration, the client, the checks every check runs.

Pulumi pickles each provider object into the state, so providers hold no client and no secret:
`configure()` runs inside the provider process and reads `netmera:apiKey` (secret stack config) and
`netmera:baseUrl`, with NETMERA_API_KEY / NETMERA_BASE_URL as fallbacks. A family's provider fills
in the lifecycle built on this (lifecycle.py; one-shot families once.py) in its `resource.py`; what
the providers share beyond this lives in the modules beside it, each named for one thing (journaled,
served, interrupted, guards, reviewed, preferences, existence, sampling, sharded).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, ConfigureRequest, ResourceProvider

from ..backends import JOURNAL_SETTING
from ..client import NetmeraClient, resolve_connection
from ..engine import Plan, codec, execute, execute_tracked
from ..models import DEFAULT_BASE_URL
from .journaled import Partial, send_journaled
from .process import set_journal_setting, shared_client, watch_engine


class NetmeraProvider(ResourceProvider):
    """Pickled by reference (an importable module and class), holding no state."""

    # Nothing secret is ever captured (the key comes from configure()), so the pickled provider need
    # not be encrypted for every resource; tests check that state never holds the key.
    serialize_as_secret_always = False

    api_key: str | None = None
    base_url: str = DEFAULT_BASE_URL

    def configure(self, req: ConfigureRequest) -> None:
        connection = resolve_connection(req.config.get)
        self.api_key, self.base_url = connection.api_key, connection.base_url
        set_journal_setting(req.config.get(JOURNAL_SETTING))
        watch_engine()

    def send_plan(self, plan: Plan) -> None:
        """Send `plan` through the one executor, unjournaled: for changes a rerun may repeat."""
        if not plan.empty:
            execute(self.client(), plan)

    def send_journaled(
        self, plan: Plan, ids: set[str], entry: dict[str, Any], partial: Partial, resource_id: str | None
    ) -> None:
        """Send `plan` through the one executor under the stack's journal (journaled.py), its progress
        the resource's status line."""
        send_journaled(
            lambda: execute_tracked(self.client(), plan), ids, entry, partial, resource_id, plan=plan
        )

    def client(self) -> NetmeraClient:
        """The process-wide client for this configuration (shared caps; not to be closed)."""
        return shared_client(self.api_key, self.base_url)

    def config_failures(self) -> list[CheckFailure]:
        """Checked at preview, so a missing key fails before anything is planned or sent."""
        if not self.api_key:
            return [
                CheckFailure(
                    "netmera:apiKey",
                    "no Netmera API key: run `pulumi config set --secret netmera:apiKey <key>` "
                    "(or set NETMERA_API_KEY)",
                )
            ]
        return []


def encoded_failure(name: str, props: dict[str, Any]) -> list[CheckFailure]:
    """The hidden value of collection `name` must be there and be an encoded collection."""
    if codec.props_header(props, name) is None:
        return [CheckFailure(name, f"the encoded collection `{codec.hidden(name)}` is missing or unreadable")]
    return []
