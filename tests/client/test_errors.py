"""The error tree: (status, code) -> class, messages, redaction, and no httpx types leaking out."""

from __future__ import annotations

import logging

import httpx
import pytest

from netmera_iac import client as netmera_client
from netmera_iac.client import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InvalidAddressError,
    NetmeraClient,
    NetmeraError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TransportError,
    error_class,
)
from tests.client.conftest import BASE, KEY, Script, error


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, 2004, BadRequestError),
        (400, 2009, BadRequestError),
        (400, 2020, BadRequestError),
        (403, 2010, AuthenticationError),
        (401, 5007, AuthenticationError),
        (403, 2021, PermissionDeniedError),  # same code as below, other status
        (400, 2021, BadRequestError),
        (403, 4000, PermissionDeniedError),
        (400, 5016, NotFoundError),
        (400, 5042, NotFoundError),
        (400, 5003, NotFoundError),
        (400, 6000, InvalidAddressError),
        (400, 2001, ServerError),
        (500, 2001, ServerError),
        (429, None, RateLimitError),
        (503, None, ServerError),
        (400, 9999, BadRequestError),
        (404, None, NotFoundError),
    ],
)
def test_error_class_by_status_and_code(status: int, code: int | None, expected: type[APIError]) -> None:
    assert error_class(status, code) is expected


def test_api_error_message_names_operation_status_code_and_text(
    client: NetmeraClient, script: Script
) -> None:
    script.replies = [error(400, 2004, "Field 'tag' should be a text " + "x" * 500)]
    with pytest.raises(BadRequestError) as caught:
        client.tag_users("t", ["a"])
    message = str(caught.value)
    assert message.startswith("tagUsers: HTTP 400, Netmera code 2004: Field 'tag' should be a text")
    assert len(caught.value.text) == 200
    assert (caught.value.status, caught.value.code, caught.value.operation) == (400, 2004, "tagUsers")


def test_non_json_error_bodies_are_handled(client: NetmeraClient, script: Script) -> None:
    script.replies = [httpx.Response(400, text="Please provide an external id.")]
    with pytest.raises(BadRequestError, match=r"HTTP 400: Please provide an external id\."):
        client.update_email("a", "b@c.de")


def test_httpx_is_not_leaked(client: NetmeraClient, script: Script) -> None:
    script.replies = [httpx.ConnectError("refused")]
    with pytest.raises(TransportError) as caught:
        client.get_segments()
    assert not isinstance(caught.value, httpx.HTTPError)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert all(
        not issubclass(cls, httpx.HTTPError) for cls in vars(netmera_client).values() if isinstance(cls, type)
    )


def test_the_api_key_appears_in_no_error_log_or_repr(
    client: NetmeraClient, script: Script, caplog: pytest.LogCaptureFixture
) -> None:
    script.replies = [error(503, 2001, f"upstream rejected key {KEY}"), error(400, 2004, f"bad key {KEY}")]
    caplog.set_level(logging.DEBUG, logger="netmera_iac")
    with pytest.raises(BadRequestError) as caught:
        client.tag_users("t", ["a"])
    assert script.requests[0].headers["X-netmera-api-key"] == KEY  # it is sent...
    assert KEY not in str(caught.value)  # ...and never shown
    assert KEY not in repr(caught.value)
    assert KEY not in caplog.text
    assert "***" in caplog.text
    assert KEY not in repr(client)
    assert KEY not in repr(client.settings)


def test_missing_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETMERA_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="netmera:apiKey"):
        NetmeraClient(base_url=BASE)


def test_bad_base_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="http"):
        NetmeraClient(KEY, "ftp://example.com")


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETMERA_API_KEY", "from-env")
    monkeypatch.setenv("NETMERA_BASE_URL", "http://127.0.0.1:1/rest/3.0")
    monkeypatch.setenv("NETMERA_MAX_CONCURRENCY", "2")
    with NetmeraClient() as from_env:
        assert from_env.settings.base_url == "http://127.0.0.1:1/rest/3.0"
        assert from_env.settings.max_concurrency == 2
        assert from_env.settings.api_key is not None
        assert from_env.settings.api_key.get_secret_value() == "from-env"
    with NetmeraClient("explicit", max_concurrency=3) as explicit:
        assert explicit.settings.max_concurrency == 3
        assert explicit.settings.api_key is not None
        assert explicit.settings.api_key.get_secret_value() == "explicit"


def test_every_error_is_a_netmera_error() -> None:
    for cls in (ConfigurationError, TransportError, APIError, RateLimitError, InvalidAddressError):
        assert issubclass(cls, NetmeraError)


@pytest.mark.parametrize(
    ("key", "said"),
    [
        ("demo-netmera-api-key\n", "ends in a line break (character 21 of 21)"),
        ("demo\tkey", "character 5: U+0009 a control character"),
        ("anahtar-ş", "character 9: U+015F LATIN SMALL LETTER S WITH CEDILLA"),
        (" demo-key", "starts or ends with white space"),
    ],
)
def test_a_key_a_header_cannot_carry_is_named_and_never_shown(key: str, said: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        NetmeraClient(key, BASE)
    message = str(caught.value)
    assert said in message
    for form in (key, key.strip(), repr(key)[1:-1], repr(key.encode())[2:-1], "demo-netmera-api-key"):
        assert form not in message


@pytest.mark.parametrize("key", ['key-with-"quotes"', "key-with-'quote'", "key/with+url=chars", "key\\back"])
def test_redaction_covers_the_key_s_escaped_and_quoted_forms(key: str, script: Script) -> None:
    import json
    from urllib.parse import quote

    forms = {key, repr(key)[1:-1], json.dumps(key)[1:-1], quote(key, safe="")}
    script.replies = [error(400, 2004, " | ".join(sorted(forms)))]
    with (
        NetmeraClient(key, BASE, transport=httpx.MockTransport(script)) as client,
        pytest.raises(BadRequestError) as caught,
    ):
        client.tag_users("t", ["a"])
    message = str(caught.value)
    assert all(form not in message for form in forms), message
    assert "***" in message


def test_a_split_operation_failing_alike_says_its_answer_once() -> None:
    from netmera_iac.client import BatchError, BatchOutcome, TransportError

    gone = TransportError("tagUsers", "ConnectError: [Errno 111] Connection refused", 5)
    refused = APIError("tagUsers", 400, 1001, "bad id")
    failed = [BatchOutcome(i, 1000, gone) for i in range(1, 10)] + [BatchOutcome(10, 7, refused)]
    message = str(BatchError("tagUsers", [BatchOutcome(0, 1000)], failed))
    assert message.count("Connection refused") == 1
    assert message.startswith(
        "tagUsers: 10 of 11 batches failed and were not applied: 9 batches (#2-#10, 9000 ids): "
    )
    assert "; #11 (7 ids): tagUsers: HTTP 400" in message and message.endswith(
        "Applied: 1 batch(es), 1000 ids."
    )
