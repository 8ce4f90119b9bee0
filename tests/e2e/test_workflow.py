"""The review workflow end to end: `netmera-iac` driving the real Pulumi CLI against the emulator."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from netmera_iac.emulator.server import DEMO_API_KEY
from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import REPO_ROOT, NetmeraStack, netmera_iac

pytestmark = pytest.mark.e2e


def write(stack: NetmeraStack, **files: Any) -> None:
    for name, document in files.items():
        (stack.state_dir / f"{name}.yaml").write_text(yaml.safe_dump(document))


def test_plan_writes_a_markdown_summary_and_apply_runs_only_that_plan(
    netmera_stack: NetmeraStack, emulator: Emulator, tmp_path: Path
) -> None:
    write(netmera_stack, tags={"memberships": {"vip": {"members": ["cust-ayse", "user-0001", "user-0002"]}}},
          categories={"preferences": [{"category": "Promotion", "opted_in": ["user-0003"]}]})  # fmt: skip
    netmera_stack.stack.up()
    write(netmera_stack, tags={"memberships": {"vip": {"members": ["cust-ayse", "user-0002", "user-0009"]}}},
          categories={"preferences": [{"category": "Promotion", "opted_out": ["user-0003"]}]})  # fmt: skip
    summary, saved = tmp_path / "summary.md", tmp_path / "plan.json"
    emulator.control.delete("/requests")
    result = netmera_iac(netmera_stack, "plan", "--out", str(summary), "--save-plan", str(saved))
    assert result.returncode == 0, result.stderr
    markdown = summary.read_text()
    assert markdown == result.stdout.rstrip("\n") + "\n"
    assert "**2 resource(s) change, 3 user change(s); 0 unchanged.**" in markdown
    assert "| category `Promotion` | update | 1 | opt out 1 |" in markdown
    assert "| tag `vip` | update | 2 | tag 1, untag 1 |" in markdown
    assert "- **tag 1 user(s)**: `user-0009`" in markdown and "- **untag 1 user(s)**: `user-0001`" in markdown
    assert DEMO_API_KEY not in markdown
    assert writes(emulator) == []  # planning sends nothing

    # The desired state moves after review: the saved plan is refused and nothing is sent.
    write(netmera_stack, tags={"memberships": {"vip": {"members": ["cust-ayse", "user-0002", "user-0010"]}}})
    refused = netmera_iac(netmera_stack, "apply", "--plan", str(saved))
    assert refused.returncode == 1
    assert "refused: the stack no longer matches the saved plan" in refused.stderr
    assert writes(emulator) == []

    write(netmera_stack, tags={"memberships": {"vip": {"members": ["cust-ayse", "user-0002", "user-0009"]}}})
    applied = netmera_iac(netmera_stack, "apply", "--plan", str(saved), "-m", "reviewed in PR 12")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert emulator.users_of("vip") == ["cust-ayse", "user-0002", "user-0009"]


def test_drift_made_behind_the_stacks_back_is_reported(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    write(
        netmera_stack,
        categories={"preferences": [{"category": "Promotion", "opted_in": ["user-0003", "user-0004"]}]},
    )
    netmera_stack.stack.up()
    clean = netmera_iac(netmera_stack, "drift")
    assert clean.returncode == 0 and "no drift" in clean.stdout

    with emulator.api() as api:
        body = [{"extId": "user-0004", "category": "Promotion", "enable": False}]
        api.post("/setCategoryPreferences", json=body).raise_for_status()
    drift = netmera_iac(netmera_stack, "drift")
    assert drift.returncode == 1
    assert "### netmera-iac drift · stack `e2e`" in drift.stdout
    assert "| category `Promotion` | update | 1 | opt in 1 |" in drift.stdout
    assert "| `user-0004` | opted_out | opted_in | — |" in drift.stdout  # what drifted, then the fix
    sections = drift.stdout.split("What `apply` would send:")
    assert len(sections) == 2 and "- **opt in 1 user(s)**: `user-0004`" in sections[1]

    netmera_stack.project.env["COLUMNS"] = "80"  # nothing that matters is cut at 80 columns
    promotion = {"category": "Promotion", "opted_in": ["user-0003", "user-0004"]}
    write(netmera_stack, categories={"preferences": [promotion]},
          consent={"push": {"users": {"opted_in": ["user-0001"], "opted_out": ["user-0002"]}}},
          profiles={"users": {"cust-ayse": {"loyaltyTier": "gold"}}})  # fmt: skip
    netmera_stack.stack.up()
    with emulator.api() as api:
        api.post("/enablePush", json={"extId": "user-0002"}).raise_for_status()  # in the app
        body = [{"extId": "cust-ayse", "profile": {"loyaltyTier": "silver"}}]
        api.post("/setProfileAttributes", json=body).raise_for_status()
    drift = netmera_iac(netmera_stack, "drift")
    assert drift.returncode == 1, drift.stdout + drift.stderr
    assert '| `cust-ayse` | loyaltyTier: "silver" | loyaltyTier: "gold" | — |' in drift.stdout
    (push,) = [line for line in drift.stdout.splitlines() if line.startswith("| `user-0002` | opted_in |")]
    assert re.search(r"\| opted_out \| 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \|$", push), push
    assert "- **opt in 1 user(s)**: `user-0004`" in drift.stdout
    assert "- **opt out 1 user(s)**: `user-0002`" in drift.stdout
    assert "…" not in drift.stdout  # no id, count or time was shortened


def test_a_sampled_drift_check_reads_n_users_per_resource(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    """Netmera reads one user per request: `drift --sample N` reads N random users of each resource,
    and users it did not read are neither reported as drifted nor as clean."""
    users = [f"user-{n:04d}" for n in range(1, 31)]
    write(netmera_stack, categories={"preferences": [{"category": "Promotion", "opted_in": users}]})
    netmera_stack.stack.up()
    with emulator.api() as api:  # every user opted out behind the stack's back
        body = [{"extId": u, "category": "Promotion", "enable": False} for u in users]
        api.post("/setCategoryPreferences", json=body).raise_for_status()
    emulator.clear_requests()
    sampled = netmera_iac(netmera_stack, "drift", "--sample", "4")
    assert sampled.returncode == 1, sampled.stdout + sampled.stderr
    assert "- **opt in 4 user(s)**" in sampled.stdout
    assert "_Sampled: 4 random user(s) per resource were read" in sampled.stdout
    reads = len(emulator.requests("getCategoryPreferences"))
    assert 4 <= reads <= 4 + 1  # the sample, and at most one read of the app's categories by the check
    emulator.clear_requests()
    whole = netmera_iac(netmera_stack, "drift")
    assert whole.returncode == 1 and "- **opt in 30 user(s)**" in whole.stdout
    assert len(emulator.requests("getCategoryPreferences")) >= 30
    assert writes(emulator) == []  # a drift check sends nothing


def test_rollback_restores_tags_and_preferences_but_no_opt_in(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    signup = {"user-0005": {"source": "signup form", "at": "2026-01-01T00:00:00Z"}}
    write(
        netmera_stack,
        tags={"memberships": {"vip": {"members": ["cust-ayse", "user-0001"]}}},
        categories={"preferences": [{"category": "Promotion", "opted_in": ["user-0003"]}]},
        consent={"email": {"users": {"opted_in": ["user-0005"], "evidence": signup}}},
    )
    netmera_stack.stack.up()
    write(
        netmera_stack,
        tags={"memberships": {"vip": {"members": ["cust-ayse", "user-0002"]}}},
        categories={"preferences": [{"category": "Promotion", "opted_out": ["user-0003"]}]},
        consent={"email": {"users": {"opted_out": ["user-0005"]}}},
    )
    netmera_stack.stack.up()
    history = netmera_iac(netmera_stack, "history")
    assert history.returncode == 0 and "create" in history.stdout

    result = netmera_iac(netmera_stack, "rollback", "--to", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept opted out (consent guard, email-users): 1 user(s): user-0005" in result.stdout
    assert emulator.users_of("vip") == ["cust-ayse", "user-0001"]
    with emulator.api() as api:
        prefs = api.get("/getCategoryPreferences", params={"externalId": "user-0003"}).json()
    assert prefs["categoryPreferences"]["Promotion"] is True
    assert emulator.contact_of("user-0005")["emailPermitted"] is False
    restored = yaml.safe_load((netmera_stack.state_dir / "consent.yaml").read_text())
    assert restored == {"email": {"users": {"opted_in": [], "opted_out": ["user-0005"]}}}
    assert netmera_stack.cli("preview", "--refresh", "--expect-no-changes").returncode == 0


def test_the_policy_pack_fails_an_oversized_change(
    netmera_stack: NetmeraStack, emulator: Emulator, tmp_path: Path
) -> None:
    write(netmera_stack, tags={"memberships": {"vip": {"members": [f"user-{i:04d}" for i in range(1, 6)]}}})
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"netmera-users-changed-per-type": {"maxUsersChangedPerType": 3}}))
    result = netmera_iac(
        netmera_stack, "plan", "--policy-pack", str(REPO_ROOT / "policy"), "--policy-pack-config", str(config)
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "netmera-iac plan · stack `e2e`: refused, 1 problem(s); nothing can be applied"
    assert lines[1] == "policy pack" and lines[-1] == "exit 1" and len(lines) == 4
    assert lines[2].startswith(
        "  netmera-users-changed-per-type [mandatory]: Caps the users one update changes per Netmera "
        "resource type. TagMembership: this update changes 5 users, above the cap of 3"
    )
    verbose = netmera_iac(netmera_stack, "plan", "--policy-pack", str(REPO_ROOT / "policy"),
                          "--policy-pack-config", str(config), "--verbose")  # fmt: skip
    assert verbose.stdout == result.stdout and "TagMembership: this update changes 5 users" in verbose.stderr
    assert writes(emulator) == []

    write(netmera_stack, tags={"memberships": {"vip": {"members": ["user-0001"], "shared": True}}},
          consent={"sms": {"users": {"opted_in": ["user-0002"]}}})  # fmt: skip
    result = netmera_iac(netmera_stack, "plan", "--policy-pack", str(REPO_ROOT / "policy"))
    assert result.returncode == 1
    assert "tag 'vip' is marked shared" in result.stdout
    assert "sms-users: 1 opt-in(s) without a consent source: user-0002" in result.stdout


def test_adopt_then_up_changes_nothing(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    with emulator.api() as api:  # some live state to adopt
        body = [{"extId": "cust-ayse", "category": "Promotion", "enable": True},
                {"extId": "cust-mehmet", "category": "Promotion", "enable": False}]  # fmt: skip
        api.post("/setCategoryPreferences", json=body).raise_for_status()
    result = netmera_iac(
        netmera_stack, "adopt", "--user", "cust-ayse", "--user", "cust-mehmet", "--segment", "Churn risk",
        "--category", "Promotion",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout[: result.stdout.rindex("}") + 1])["users"] == 23
    categories = yaml.safe_load((netmera_stack.state_dir / "categories.yaml").read_text())
    (promotion,) = categories["preferences"]
    assert promotion["category"] == "Promotion" and promotion["adopt"] is True
    assert "cust-ayse" in promotion["opted_in"] and promotion["opted_out"] == ["cust-mehmet"]
    profiles = yaml.safe_load((netmera_stack.state_dir / "profiles.yaml").read_text())
    assert profiles["users"]["cust-ayse"]["loyaltyTier"] == "gold"

    emulator.control.delete("/requests")
    up = netmera_stack.stack.up()
    assert writes(emulator) == []  # everything adopted was already so
    assert up.summary.resource_changes is not None and up.summary.resource_changes.get("create", 0) >= 3
    assert netmera_stack.cli("preview", "--refresh", "--expect-no-changes").returncode == 0
    again = netmera_iac(netmera_stack, "adopt", "--user", "cust-ayse")
    assert again.returncode == 1 and "already exist" in again.stderr


def test_plan_of_a_stack_that_does_not_exist_is_an_error_before_any_summary(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "netmera_iac.cli", "plan", "--stack", "staging",
         "--project", str(netmera_stack.project.work_dir)],
        env=netmera_stack.project.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 2
    assert "plan: error: no stack named 'staging' found" in " ".join(run.stderr.split())
    assert run.stdout == ""  # no "No changes", no guard count
    assert writes(emulator) == []


def test_history_keeps_times_and_counts_whole_at_80_columns(netmera_stack: NetmeraStack) -> None:
    write(netmera_stack, tags={"memberships": {"vip": {"members": ["cust-ayse"]}}})
    netmera_stack.stack.up()
    write(netmera_stack, tags={"memberships": {"vip": {"members": ["cust-ayse", "user-0001"]}}})
    netmera_stack.stack.up(message="add user-0001 to the VIP tag after the campaign review")
    netmera_stack.project.env["COLUMNS"] = "80"
    history = netmera_iac(netmera_stack, "history")
    assert history.returncode == 0, history.stderr
    lines = history.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    starts = re.findall(r"\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\b", history.stdout)
    assert len(starts) == 2, history.stdout
    assert "create 3" in history.stdout and "update 2" in history.stdout, history.stdout
