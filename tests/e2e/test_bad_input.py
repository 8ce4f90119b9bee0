"""Bad input found at preview, before any write: config values, the API key, desired-state files."""

from __future__ import annotations

import pytest
from pulumi import automation as auto

from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack

pytestmark = pytest.mark.e2e

TAGS = {"memberships": {"vip": {"members": ["cust-ayse", "user-0001"]}}}


def preview_error(stack: NetmeraStack) -> str:
    result = stack.cli("preview")
    assert result.returncode != 0
    return " ".join((result.stdout + result.stderr).split())


def test_config_values_outside_their_range_fail_the_preview(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    netmera_stack.write(TAGS)
    for key, value in (
        ("massChangeThreshold", "5"),
        ("massChangeMinimum", "-3"),
        ("maxIdsPerResource", "-5"),
    ):
        netmera_stack.stack.set_config(f"netmera-iac:{key}", auto.ConfigValue(value))
    message = preview_error(netmera_stack)
    assert "netmera-iac:massChangeThreshold: must be a share of the managed users above 0 and at most 1 " \
        "(value: '5')" in message  # fmt: skip
    assert (
        "netmera-iac:massChangeMinimum: must be a whole number of users, at least 1 (value: '-3')" in message
    )
    assert (
        "netmera-iac:maxIdsPerResource: must be a whole number of ids (at most 5000000) (value: '-5')"
        in message
    )
    assert writes(emulator) == []


def test_a_platform_the_segment_reads_cannot_name_fails_the_preview(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    netmera_stack.write({"memberships": {"vip": {"segment": "VIP customers"}}})
    netmera_stack.stack.set_config("netmera:os", auto.ConfigValue("windows"))
    message = preview_error(netmera_stack)
    assert "stack config netmera:os (or NETMERA_OS): must be one of IOS, ANDROID" in message
    assert "(value: 'windows')" in message
    assert emulator.requests() == []  # not even a read

    # The emulator refuses segment reads without a valid header: these succeeding show it was sent.
    netmera_stack.stack.set_config("netmera:os", auto.ConfigValue("android"))
    assert netmera_stack.cli("preview").returncode == 0
    assert [r["status"] for r in emulator.requests("getSegmentUsers")] == [200]
    assert writes(emulator) == []


def test_a_plaintext_key_and_a_wrong_key_fail_the_preview(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    netmera_stack.write(TAGS)
    netmera_stack.stack.set_config("netmera:apiKey", auto.ConfigValue("not-the-key", secret=False))
    message = preview_error(netmera_stack)
    assert "netmera:apiKey: stored in plain text" in message
    assert "not-the-key" not in message

    # Only tags change, and tag providers read nothing: the test read still finds the wrong key.
    netmera_stack.stack.set_config("netmera:apiKey", auto.ConfigValue("not-the-key", secret=True))
    message = preview_error(netmera_stack)
    assert "a test read failed, so nothing is planned" in message and "2010" in message
    assert "not-the-key" not in message
    assert writes(emulator) == []


def test_a_category_the_app_does_not_define_fails_the_preview(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    # Netmera would skip every entry of an unknown category and answer 200: a typo changes nothing.
    netmera_stack.write(categories={"preferences": [{"category": "Promotoin", "opted_in": ["cust-ayse"]}]})
    message = preview_error(netmera_stack)
    assert "category 'Promotoin' is not defined in the app" in message
    assert "Promotion, Shopping, Weekly Newsletter" in message  # what the app has, read back
    assert writes(emulator) == []
