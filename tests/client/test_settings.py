"""The one rule for which Netmera to talk to: stack config, then environment, then Netmera's own."""

from __future__ import annotations

import pytest

from netmera_iac.client import ConfigurationError, resolve_connection
from netmera_iac.models import DEFAULT_BASE_URL


def test_stack_config_wins_over_the_environment() -> None:
    config = {"netmera:apiKey": "from-stack", "netmera:baseUrl": "https://stack.example/rest/3.0"}
    env = {"NETMERA_API_KEY": "from-env", "NETMERA_BASE_URL": "https://env.example/rest/3.0"}
    connection = resolve_connection(config.get, env)
    assert (connection.api_key, connection.base_url) == ("from-stack", "https://stack.example/rest/3.0")


def test_the_environment_fills_in_and_the_url_defaults_to_netmera() -> None:
    connection = resolve_connection({}.get, {"NETMERA_API_KEY": "from-env"})
    assert (connection.api_key, connection.base_url) == ("from-env", DEFAULT_BASE_URL)
    assert resolve_connection({"netmera:apiKey": ""}.get, {}).api_key is None  # empty is no key


def test_the_segment_platform_is_validated_and_defaults_to_ios() -> None:
    assert resolve_connection({}.get, {}).os == "IOS"
    assert resolve_connection({"netmera:os": "android"}.get, {"NETMERA_OS": "IOS"}).os == "ANDROID"
    assert resolve_connection({}.get, {"NETMERA_OS": "ANDROID"}).os == "ANDROID"
    with pytest.raises(ConfigurationError) as caught:
        resolve_connection({"netmera:os": "WINDOWS"}.get, {})
    assert "stack config netmera:os" in str(caught.value) and "'WINDOWS'" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("https://user:hunter2@restapi.netmera.com/rest/3.0", "holds credentials"),
        ("https://token@restapi.netmera.com/rest/3.0", "holds credentials"),
        ("http://restapi.netmera.com/rest/3.0", "plain http to restapi.netmera.com"),
        ("http://10.1.2.3:8080/rest/3.0", "plain http to 10.1.2.3"),
    ],
)
def test_a_base_url_with_credentials_or_plain_http_elsewhere_is_refused(url: str, said: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolve_connection({"netmera:baseUrl": url}.get, env={})
    assert said in str(caught.value) and "hunter2" not in str(caught.value)
    assert "netmera:baseUrl" in str(caught.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8890/rest/3.0", "http://localhost:8890/rest/3.0", "http://[::1]:8890/rest/3.0"]
)
def test_plain_http_is_fine_on_this_machine(url: str) -> None:
    assert resolve_connection({"netmera:baseUrl": url}.get, env={}).base_url == url


def test_plain_http_elsewhere_only_on_purpose() -> None:
    config = {
        "netmera:baseUrl": "http://netmera-proxy.internal/rest/3.0",
        "netmera-iac:allowInsecureHttp": "true",
    }
    assert resolve_connection(config.get, env={}).base_url == config["netmera:baseUrl"]
