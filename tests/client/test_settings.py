"""The one rule for which Netmera to talk to: stack config, then environment, then Netmera's own."""

from __future__ import annotations

from netmera_iac.client import resolve_connection
from netmera_iac.models import DEFAULT_BASE_URL


def test_stack_config_wins_over_the_environment() -> None:
    config = {"netmera:apiKey": "from-stack", "netmera:baseUrl": "http://stack.example/rest/3.0"}
    env = {"NETMERA_API_KEY": "from-env", "NETMERA_BASE_URL": "http://env.example/rest/3.0"}
    connection = resolve_connection(config.get, env)
    assert (connection.api_key, connection.base_url) == ("from-stack", "http://stack.example/rest/3.0")


def test_the_environment_fills_in_and_the_url_defaults_to_netmera() -> None:
    connection = resolve_connection({}.get, {"NETMERA_API_KEY": "from-env"})
    assert (connection.api_key, connection.base_url) == ("from-env", DEFAULT_BASE_URL)
    assert resolve_connection({"netmera:apiKey": ""}.get, {}).api_key is None  # empty is no key
