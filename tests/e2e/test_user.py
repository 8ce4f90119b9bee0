"""User erasure and push approval through the real Pulumi CLI against the emulator."""

from __future__ import annotations

import re

import pytest
import yaml
from pulumi import automation as auto

from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack

pytestmark = pytest.mark.e2e


def exists(emulator: Emulator, ext_id: str) -> bool:
    return emulator.control.get(f"/apps/demo/users/{ext_id}/contact").status_code == 200


def test_erasure_requires_confirmation_and_is_sent_once(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    erasure = netmera_stack.state_dir / "erasure.yaml"
    erasure.write_text(yaml.safe_dump({"users": ["user-0058", "user-0059"]}))
    with pytest.raises(auto.CommandError) as caught:
        netmera_stack.stack.preview()
    assert "stacks/e2e/erasure.yaml: (top level): 'confirm' is a required property" in str(caught.value)
    assert writes(emulator) == []

    with emulator.api() as api:  # user-0059 is gone already (or was never there: a typo)
        api.post("/deleteUsersPermanently", json={"extIds": ["user-0059"]}).raise_for_status()
    erasure.write_text(
        yaml.safe_dump({"confirm": "erase these users permanently", "users": ["user-0058", "user-0059"]})
    )
    preview = netmera_stack.stack.preview(diff=True)
    assert re.search(r'plan\s*: "erase 2 user\(s\) permanently: user-0058, user-0059"', preview.stdout)
    emulator.control.delete("/requests")
    # Reported as not found, not recorded as erased: the update fails after erasing the others.
    with pytest.raises(auto.CommandError) as failed:
        netmera_stack.stack.up()
    assert "1 user(s) not found in Netmera, so not erased: user-0059" in str(failed.value)
    assert not exists(emulator, "user-0058")
    # One existence read of both (untagUsers of a tag nobody carries), one erasure of the one known.
    assert [(r["operation"], r["ids"]) for r in writes(emulator)] == [
        ("untagUsers", 2),
        ("deleteUsersPermanently", 1),
    ]

    emulator.control.delete("/requests")
    erasure.write_text(yaml.safe_dump({"confirm": "erase these users permanently", "users": ["user-0058"]}))
    netmera_stack.stack.up()  # the typo fixed: user-0058 is recorded as erased, nothing is sent
    assert writes(emulator) == []
    assert netmera_stack.cli("preview", "--expect-no-changes").returncode == 0


def test_push_approval(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    (netmera_stack.state_dir / "push-approvals.yaml").write_text(yaml.safe_dump({"approve": [9001]}))
    netmera_stack.stack.up()
    assert emulator.control.get("/apps/demo/messages/9001").json()["approved"] is True
    assert emulator.control.get("/apps/demo/messages/9002").json()["approved"] is False
    emulator.control.delete("/requests")
    (netmera_stack.state_dir / "push-approvals.yaml").write_text(yaml.safe_dump({"approve": [9001, 9002]}))
    netmera_stack.stack.up()
    assert [(r["operation"], r["status"]) for r in writes(emulator)] == [("sendPushApproval", 200)]
    assert emulator.control.get("/apps/demo/messages/9002").json()["approved"] is True
