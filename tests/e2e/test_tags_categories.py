"""Tag memberships and category preferences through the real Pulumi CLI against the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack, generated_stack

pytestmark = pytest.mark.e2e

TAGS = {
    "memberships": {"vip": {"members": ["cust-ayse", "user-0001", "user-0002"]}},
    "assignments": {"beta": ["cust-mehmet"]},
    "exclusions": {"churned": ["user-0050"]},
}
CATEGORIES = {
    "preferences": [{"category": "Promotion", "opted_in": ["cust-ayse"], "opted_out": ["cust-mehmet"]}]
}


def promotion(emulator: Emulator, ext_id: str) -> bool:
    with emulator.api() as api:
        body = api.get("/getCategoryPreferences", params={"externalId": ext_id}).json()
    return bool(body["categoryPreferences"]["Promotion"])


def test_lifecycle_create_no_change_update_destroy(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    with emulator.api() as api:  # state the stack does not manage
        api.post("/tagUsers", json={"tag": "vip", "extIds": ["user-0009"]}).raise_for_status()
        api.post(
            "/tagUsers", json={"tag": "churned", "extIds": ["user-0050", "user-0051"]}
        ).raise_for_status()
    netmera_stack.write(TAGS, CATEGORIES)

    up = netmera_stack.stack.up()
    assert up.summary.resource_changes == {"create": 6}
    assert emulator.users_of("vip") == ["cust-ayse", "user-0001", "user-0002", "user-0009"]
    assert emulator.users_of("beta") == ["cust-mehmet"]
    assert emulator.users_of("churned") == ["user-0051"]
    assert (promotion(emulator, "cust-ayse"), promotion(emulator, "cust-mehmet")) == (True, False)

    emulator.control.delete("/requests")
    preview = netmera_stack.stack.preview()
    assert preview.change_summary == {"same": 6}
    assert netmera_stack.cli("preview", "--expect-no-changes").returncode == 0
    assert writes(emulator) == []  # a no-change preview sends nothing

    netmera_stack.write(
        {**TAGS, "memberships": {"vip": {"members": ["cust-ayse", "user-0001", "user-0003"]}}}, CATEGORIES
    )
    emulator.control.delete("/requests")
    up = netmera_stack.stack.up()
    assert up.summary.resource_changes == {"update": 1, "same": 5}  # vip only: its size did not change
    assert emulator.users_of("vip") == ["cust-ayse", "user-0001", "user-0003", "user-0009"]
    assert [(r["operation"], r["ids"]) for r in writes(emulator)] == [("tagUsers", 1), ("untagUsers", 1)]

    netmera_stack.stack.destroy()
    assert emulator.users_of("vip") == ["user-0009"]  # only managed memberships were removed
    assert emulator.users_of("beta") == ["cust-mehmet"]  # additive: destroy changes nobody
    assert (promotion(emulator, "cust-ayse"), promotion(emulator, "cust-mehmet")) == (True, False)


def test_category_drift_is_found_by_refresh(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    netmera_stack.write(None, CATEGORIES)
    netmera_stack.stack.up()
    assert netmera_stack.cli("preview", "--refresh", "--expect-no-changes").returncode == 0

    with emulator.api() as api:  # a change made behind the stack's back
        body = [{"extId": "cust-mehmet", "category": "Promotion", "enable": True}]
        api.post("/setCategoryPreferences", json=body).raise_for_status()

    drift = netmera_stack.cli("preview", "--refresh", "--expect-no-changes", "--diff")
    assert drift.returncode != 0
    # The preferences travel encoded (one digest per resource); the plan line names who is set back.
    assert '=> "opt out 1 user(s) [Promotion]: cust-mehmet (1 call(s))"' in drift.stdout

    refreshed = netmera_stack.stack.refresh()
    assert refreshed.summary.resource_changes == {"update": 1, "same": 2}
    netmera_stack.stack.up()
    assert promotion(emulator, "cust-mehmet") is False
    assert netmera_stack.cli("preview", "--refresh", "--expect-no-changes").returncode == 0


def failing_preview(stack: NetmeraStack) -> str:
    with pytest.raises(auto.CommandError) as caught:
        stack.stack.preview()
    return str(caught.value)


def test_guards_fire_at_preview_with_zero_requests(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    members = [f"user-{n:04d}" for n in range(1, 21)]
    netmera_stack.write({"memberships": {"vip": {"members": members}}})
    netmera_stack.stack.up()
    emulator.control.delete("/requests")

    netmera_stack.write({"memberships": {"vip": {"members": members[:10]}}})  # removes 50 %
    assert "would remove 10 of 20 managed users (50%" in failing_preview(netmera_stack)

    netmera_stack.write({"memberships": {"vip": {"members": []}}})
    assert "the desired set is empty" in failing_preview(netmera_stack)

    netmera_stack.write({"memberships": {"vip": {"members": members}}, "exclusions": {"vip": ["user-0003"]}})
    message = failing_preview(netmera_stack)
    assert "stacks/e2e/tags.yaml: memberships.vip (authoritative)" in message
    assert "stacks/e2e/tags.yaml: exclusions.vip (negative): user-0003" in message

    netmera_stack.write({"memberships": {"vip": {"members": [*members[:19], 7]}}})
    assert "stacks/e2e/tags.yaml: memberships.vip.members[19]: 7 is not of type 'string'" in failing_preview(
        netmera_stack
    )

    netmera_stack.write({"memberships": {}})  # removing the whole resource untags 20 users
    assert "removing TagMembership:vip: this change would remove 20 of 20" in failing_preview(netmera_stack)
    assert writes(emulator) == []  # every guard fired before any request

    netmera_stack.stack.set_config("netmera-iac:allowMassChange", auto.ConfigValue("true"))
    netmera_stack.stack.up()
    assert emulator.users_of("vip") == []


def test_retain_on_delete_and_protect(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    members = [f"user-{n:04d}" for n in range(1, 13)]
    netmera_stack.write(
        {
            "memberships": {
                "kept": {"members": members, "retain_on_delete": True},
                "locked": {"members": ["cust-ayse"], "protect": True},
            }
        }
    )
    netmera_stack.stack.up()
    emulator.control.delete("/requests")

    netmera_stack.write({"memberships": {"locked": {"members": ["cust-ayse"], "protect": True}}})
    netmera_stack.stack.up()  # retained: leaves the stack, untags nobody
    assert emulator.users_of("kept") == members
    assert writes(emulator) == []

    netmera_stack.write({"memberships": {}})
    with pytest.raises(auto.CommandError, match="protected"):
        netmera_stack.stack.up()
    assert emulator.users_of("locked") == ["cust-ayse"]


def test_a_large_tag_from_a_members_file_is_one_resource_at_the_minimum_of_calls(tmp_path: Path) -> None:
    members = [f"u{n:06d}" for n in range(1, 100_001)]
    with generated_stack(tmp_path, "many", 100_100) as (stack, handle):
        (stack.state_dir / "lists").mkdir()
        (stack.state_dir / "lists" / "big.txt").write_text("# the big tag\n" + "\n".join(members) + "\n")
        # `shards` from an earlier version is accepted with a warning: one resource whatever the size.
        stack.write({"memberships": {"big": {"members_file": "lists/big.txt", "shards": 4}}})
        up = stack.stack.up()
        assert up.summary.resource_changes == {"create": 3}  # the tag, the manifest, the stack
        assert "`shards` is no longer used" in up.stdout
        assert [(r["operation"], r["ids"]) for r in writes(handle)] == [("tagUsers", 1000)] * 100

        # One user out, one in: the diff shows a count, a digest and the one-line plan, never the ids.
        handle.control.delete("/requests")
        changed = [*members[1:], "u100001"]
        (stack.state_dir / "lists" / "big.txt").write_text("\n".join(changed) + "\n")
        diff = stack.cli("preview", "--diff")
        assert diff.returncode == 0, diff.stderr
        assert "tag 1 user(s) [big]: u100001; untag 1 user(s) [big]: u000001 (2 call(s))" in diff.stdout
        assert "u050000" not in diff.stdout and "__members" not in diff.stdout
        assert len(diff.stdout.splitlines()) < 30, diff.stdout
        assert writes(handle) == []  # previewing sends nothing
        stack.stack.up()
        assert sorted((r["operation"], r["ids"]) for r in writes(handle)) == [
            ("tagUsers", 1),
            ("untagUsers", 1),
        ]
        assert handle.users_of("big", app="many") == sorted(changed)
