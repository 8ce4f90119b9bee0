"""Sending a profile plan in parts: a failed part names what was applied, what is unknown, and nothing
of the parts not started (against the served emulator's fault rules)."""

from __future__ import annotations

import pytest

from netmera_iac.client import NetmeraClient
from netmera_iac.emulator.server import DEMO_API_KEY
from netmera_iac.engine import PartialApplyError, execute_tracked
from netmera_iac.families.profiles import planner
from netmera_iac.families.profiles.planner import ProfilePlan
from tests.conftest import Emulator


def test_a_plan_is_sent_in_parts_and_a_failed_part_is_reported_by_user(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planner, "SEND_PART", 1000)  # 2500 users: parts of 1000, 1000 and 500
    users = [f"user-{n:05d}" for n in range(2500)]
    plan = ProfilePlan(sets={u: {"loyaltyTier": "gold"} for u in users})
    emulator.add_fault(operation="setProfileAttributes", sequence=[None, {"kind": "status", "status": 400}])
    with NetmeraClient(DEMO_API_KEY, emulator.base_url) as client, pytest.raises(PartialApplyError) as failed:
        execute_tracked(client, plan.to_plan())
    progress = failed.value.progress
    assert progress.of("setProfileAttributes") == set(users[:1000])
    assert progress.uncertain_of["setProfileAttributes"] == set(users[1000:2000])
    assert len(emulator.requests("setProfileAttributes")) == 2  # the third part was never started

    emulator.clear_requests()
    with NetmeraClient(DEMO_API_KEY, emulator.base_url) as client:
        assert execute_tracked(client, plan.to_plan()) == 3
    entries = [r["ids"] for r in emulator.requests("setProfileAttributes")]
    assert entries == [1000, 1000, 500]
