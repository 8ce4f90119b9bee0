"""`check_existence` (issue 21, item 5): ids Netmera does not know are found before sending, at one
extra request per 1000 changed ids, reported in `pulumi up`'s output, never recorded as changed, and
sent by a later run once Netmera knows them. Through the real CLI against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack, netmera_iac

pytestmark = pytest.mark.e2e


def write(stack: NetmeraStack, name: str, document: dict[str, Any]) -> None:
    (stack.state_dir / name).write_text(yaml.safe_dump(document))


def up(stack: NetmeraStack) -> str:
    run = stack.cli("up", "--yes", "--skip-preview")
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def probes(emulator: Emulator) -> list[int]:
    """The existence reads: untagUsers of the probe tag, by the number of ids each asked about."""
    return [int(str(r["ids"])) for r in writes(emulator) if r["operation"] == "untagUsers"]


def test_unknown_members_of_a_tag_are_reported_and_tagged_once_known(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    write(
        netmera_stack,
        "tags.yaml",
        {"memberships": {"vip": {"members": ["cust-ayse", "ghost-1"], "check_existence": True}}},
    )
    emulator.control.delete("/requests")
    said = up(netmera_stack)
    assert "tag 'vip': 1 id(s) not known to Netmera, so not sent and not recorded as changed: ghost-1" in said
    assert emulator.users_of("vip") == ["cust-ayse"]
    assert probes(emulator) == [2]
    assert [(r["operation"], r["ids"]) for r in writes(emulator) if r["operation"] == "tagUsers"] == [
        ("tagUsers", 1)
    ]
    # Not recorded: the next plan lists it again, and says nothing else.
    plan = netmera_iac(netmera_stack, "plan")
    assert "- **tag 1 user(s)**: `ghost-1`" in plan.stdout, plan.stdout

    emulator.control.post("/apps/demo/users/ghost-1").raise_for_status()  # signs up elsewhere
    emulator.control.delete("/requests")
    assert "not known to Netmera" not in up(netmera_stack)
    assert emulator.users_of("vip") == ["cust-ayse", "ghost-1"]
    assert probes(emulator) == [1]  # only the change is asked about
    assert netmera_stack.cli("preview", "--expect-no-changes").returncode == 0


def test_the_stack_setting_covers_categories_consent_and_assignments_at_one_read_per_1000(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    netmera_stack.stack.set_config("netmera-iac:checkExistence", auto.ConfigValue("true"))
    ghosts = [f"ghost-{n:04d}" for n in range(1, 1500)]
    write(netmera_stack, "tags.yaml", {"assignments": {"promo": ["user-0001", *ghosts]}})
    write(
        netmera_stack,
        "categories.yaml",
        {"preferences": [{"category": "Promotion", "opted_in": ["user-0003", "ghost-2"]}]},
    )
    write(netmera_stack, "consent.yaml", {"email": {"users": {"opted_out": ["user-0004", "ghost-3"]}}})
    emulator.control.delete("/requests")
    said = up(netmera_stack)
    assert "tag 'promo': 1499 id(s) not known to Netmera" in said
    assert (
        "CategoryPreferences 'Promotion': 1 id(s) not known to Netmera, so not sent and not recorded as "
        "changed: ghost-2" in said
    )
    assert (
        "EmailConsent 'email-users': 1 id(s) not known to Netmera, so not sent and not recorded as "
        "changed: ghost-3" in said
    )
    assert sorted(probes(emulator)) == [2, 2, 500, 1000]  # 1500 changed ids: two reads
    sent = {(r["operation"], r["ids"]) for r in writes(emulator) if r["operation"] != "untagUsers"}
    assert sent == {("tagUsers", 1), ("setCategoryPreferences", 1), ("disableMail", 1)}
    assert emulator.contact_of("user-0004")["emailPermitted"] is False
    # Nothing unknown was recorded: each resource plans its unknown ids again.
    preview = netmera_stack.cli("preview", "--diff")
    assert preview.returncode == 0 and "ghost-3" in preview.stdout and "ghost-2" in preview.stdout


def test_without_check_existence_an_unknown_id_is_sent_and_asked_nothing(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    write(netmera_stack, "tags.yaml", {"memberships": {"vip": {"members": ["cust-ayse", "ghost-1"]}}})
    emulator.control.delete("/requests")
    assert "not known to Netmera" not in up(netmera_stack)
    assert [(r["operation"], r["ids"]) for r in writes(emulator)] == [("tagUsers", 2)]


def test_check_existence_on_a_list_by_address_is_refused(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    write(
        netmera_stack,
        "consent.yaml",
        {"email": {"addresses": {"opted_in": ["a@example.com"], "check_existence": True}}},
    )
    run = netmera_stack.cli("preview")
    assert run.returncode != 0
    assert "email.addresses.check_existence: Netmera can say which external ids it knows" in run.stdout
    assert writes(emulator) == []
