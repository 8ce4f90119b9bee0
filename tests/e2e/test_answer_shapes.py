"""Every family's refresh against the other shapes Netmera is documented to answer reads in.

The demo stack (tags from a segment, categories, profiles, push/email/SMS/WhatsApp consent, contacts)
is applied with the emulator's documented answers, then refreshed and previewed with its alternative ones
(emulator/shapes.py: device items with `deviceToken` and `installationId`, getDeviceTokens without
`pushPermitted`, extra fields everywhere, null fields omitted). Nothing fails, no drift is reported,
and where an answer does not say a permission the ledger keeps its line and the state says why.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from netmera_iac.engine import codec
from netmera_iac.families import BY_TYPE, FAMILIES
from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import REPO_ROOT, NetmeraStack, netmera_iac

pytestmark = pytest.mark.e2e


def _outputs(stack: NetmeraStack, kind: str, name: str) -> dict[str, Any]:
    deployment = stack.stack.export_stack().deployment
    (resource,) = [r for r in deployment["resources"] if r["urn"].endswith(f":{kind}::{name}")]
    return codec.resolved(resource["outputs"], resource["inputs"])  # as the workflow reads them


def test_a_refresh_of_every_family_passes_in_the_alternative_shapes(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    shutil.copytree(REPO_ROOT / "stacks" / "demo", netmera_stack.state_dir, dirs_exist_ok=True)  # with data/
    # The two families the demo stack leaves out, so that every family is refreshed.
    (netmera_stack.state_dir / "erasure.yaml").write_text(
        "confirm: erase these users permanently\nusers: [user-0049]\n"
    )
    (netmera_stack.state_dir / "push-approvals.yaml").write_text("approve: [9001]\n")
    netmera_stack.stack.up()
    deployment = netmera_stack.stack.export_stack().deployment
    kinds = {r["type"].rsplit(":", 1)[-1] for r in deployment["resources"]}
    assert {BY_TYPE[k].name for k in kinds if k in BY_TYPE} == {f.name for f in FAMILIES}
    before = _outputs(netmera_stack, "PushConsent", "push-devices")

    emulator.control.put("/answers", json={"shape": "alternative"}).raise_for_status()
    refreshed = netmera_stack.cli("refresh", "--yes")
    assert refreshed.returncode == 0, refreshed.stderr
    # Reads of every kind were answered in the other shape (segments by the program, the rest by refresh).
    read = {r["operation"] for r in emulator.requests() if r["operation"].startswith(("get", "app"))}
    assert {"getSegments", "getSegmentUsers", "getDevices", "getDeviceTokens", "getCategoryPreferences",
            "getProfileAttributes", "app/profile-attributes"} <= read  # fmt: skip
    emulator.control.delete("/requests").raise_for_status()
    preview = netmera_stack.cli("preview", "--expect-no-changes")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert writes(emulator) == []
    drift = netmera_iac(netmera_stack, "drift")
    assert drift.returncode == 0 and "no drift" in drift.stdout
    assert emulator.control.get("/apps/demo/users/user-0049/contact").status_code == 404  # erased

    # getDeviceTokens no longer states pushPermitted: the device's line is kept, and the state says why.
    after = _outputs(netmera_stack, "PushConsent", "push-devices")
    assert after["ledger"] == before["ledger"]  # count and digest: the same lines
    assert "did not state the permission of 1 listed id(s) (tok-ayse-ipad)" in after["observation"]
    assert "observation" not in _outputs(netmera_stack, "PushConsent", "push-users")
    assert _outputs(netmera_stack, "WhatsAppConsent", "whatsapp-users")["consents"].startswith("1 ")

    # Answers that state it again clear the note.
    emulator.control.put("/answers", json={"shape": "documented"}).raise_for_status()
    assert netmera_stack.cli("refresh", "--yes").returncode == 0
    assert "observation" not in _outputs(netmera_stack, "PushConsent", "push-devices")
