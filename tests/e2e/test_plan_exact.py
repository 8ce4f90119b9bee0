"""Plans are exact: what `netmera-iac plan` lists for each family is what the reviewed apply sends,
counted in the emulator's request log, and nothing else — for a change of the desired state, for a
change made in Netmera behind the stack's back (found by the plan's refresh), and after `adopt`."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import REPO_ROOT, NetmeraStack, generated_stack, kill_up_when_sent, netmera_iac

pytestmark = pytest.mark.e2e

# What a plan's verb is sent as, per family (a change of one user is one id of one request).
VERB_OPERATIONS = {
    "tag": "tagUsers",
    "untag": "untagUsers",
    "category opt in": "setCategoryPreferences",
    "category opt out": "setCategoryPreferences",
    "push opt in": "enablePush",
    "push opt out": "disablePush",
    "email opt in": "enableMail",
    "email opt out": "disableMail",
    "sms opt in": "enableSms",
    "sms opt out": "disableSms",
    "whatsapp opt in": "enableWhatsApp",
    "whatsapp opt out": "disableWhatsApp",
    "update email": "updateEmail",
    "update MSISDN": "updateMsisdn",
    "update WhatsApp": "updateWhatsApp",
}
SECTION = re.compile(r"^#### (?P<title>.+) \((?P<op>[a-z+]+)\)$")
CHANGE = re.compile(r"^- \*\*(?P<verb>.+?) (?P<count>\d+) user\(s\)\*\*: (?P<ids>.*)$")


def listed(markdown: str) -> dict[str, dict[str, list[str]]]:
    """The plan's changes: resource title -> verb -> ids."""
    found: dict[str, dict[str, list[str]]] = {}
    title = ""
    for line in markdown.splitlines():
        if match := SECTION.match(line):
            title = match["title"]
            found[title] = {}
        elif (match := CHANGE.match(line)) and title:
            ids = re.findall(r"`([^`]+)`", match["ids"])
            assert len(ids) == int(match["count"]), line  # every id shown (--max-ids)
            found[title][match["verb"]] = ids
    return found


def expected_sends(plan: dict[str, dict[str, list[str]]]) -> Counter[str]:
    """Ids per operation that the plan's lines mean."""
    sends: Counter[str] = Counter()
    for title, changes in plan.items():
        family = title.split(" ", 1)[0]
        profile_sets = {i for verb, ids in changes.items() if verb.startswith("set ") for i in ids}
        profile_unsets = {i for verb, ids in changes.items() if verb.startswith("unset ") for i in ids}
        sends["setProfileAttributes"] += len(profile_sets)
        sends["unsetProfileAttributes"] += len(profile_unsets)
        for verb, ids in changes.items():
            if verb.startswith(("set ", "unset ")):
                continue
            if verb.startswith(("push ", "pull ")):  # array values
                sends[f"{verb.split()[0]}ProfileAttributes"] += len(ids)
                continue
            key = verb if verb in VERB_OPERATIONS else f"{family} {verb}"
            sends[VERB_OPERATIONS[key]] += len(ids)
    return +sends


def sent(emulator: Emulator) -> Counter[str]:
    counts: Counter[str] = Counter()
    for request in writes(emulator):
        assert request["status"] == 200, request
        counts[str(request["operation"])] += int(str(request["ids"] or 0))
    return +counts


def plan_and_apply(
    stack: NetmeraStack, emulator: Emulator, tmp: Path
) -> tuple[dict[str, dict[str, list[str]]], Counter[str]]:
    saved = tmp / "plan.json"
    stack.project.env["COLUMNS"] = "80"  # every id and count is listed whole at 80 columns
    planned = netmera_iac(stack, "plan", "--max-ids", "100000", "--save-plan", str(saved))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    emulator.clear_requests()
    applied = netmera_iac(stack, "apply", "--plan", str(saved))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return listed(planned.stdout), sent(emulator)


def edit(stack: NetmeraStack, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = stack.state_dir / name
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def edit_table(stack: NetmeraStack, name: str, *updates: str) -> None:
    """Change the demo's customer table as the CRM team's export would (the tag and the profiles
    are queries over it)."""
    path = stack.state_dir / name
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_parquet($p)", {"p": str(path)})
    for update in updates:
        con.execute(update)
    con.execute("COPY t TO $p (FORMAT parquet)", {"p": str(path)})
    con.close()


def change_every_family(stack: NetmeraStack) -> None:
    edit_table(
        stack,
        "data/customers.parquet",
        "UPDATE t SET crm_vip = false WHERE ext_id = 'user-0005'",
        "INSERT INTO t (ext_id, crm_vip) VALUES ('user-0006', true)",
        "UPDATE t SET age = 42 WHERE ext_id = 'cust-mehmet'",
        "UPDATE t SET tier = NULL WHERE ext_id = 'user-0001'",
    )

    def categories(d: dict[str, Any]) -> None:
        d["preferences"][0].update(opted_in=["cust-ayse", "user-0007"])
        d["preferences"][0].update(opted_out=["cust-mehmet", "user-0040", "user-0001"])

    def consent(d: dict[str, Any]) -> None:
        d["push"]["users"].update(opted_in=["cust-mehmet", "user-0002"], opted_out=["user-0040", "user-0001"])
        d["email"]["users"]["opted_in"].append("user-0003")

    def contacts(d: dict[str, Any]) -> None:
        d["users"]["user-0007"]["email"] = "u7@shop.example.com"

    for name, change in [("categories", categories), ("consent", consent), ("contacts", contacts)]:
        edit(stack, f"{name}.yaml", change)


def test_every_familys_plan_is_what_apply_sends(
    netmera_stack: NetmeraStack, emulator: Emulator, tmp_path: Path
) -> None:
    shutil.rmtree(netmera_stack.state_dir)
    shutil.copytree(REPO_ROOT / "stacks" / "demo", netmera_stack.state_dir)
    first, first_sent = plan_and_apply(netmera_stack, emulator, tmp_path)
    assert first_sent == expected_sends(first) and first_sent["tagUsers"] > 0

    change_every_family(netmera_stack)
    with emulator.api() as api:  # behind the stack's back: the plan's refresh finds it
        body = [{"extId": "user-0002", "category": "Weekly Newsletter", "channel": "EMAIL", "enable": False}]
        api.post("/setCategoryPreferences", json=body).raise_for_status()

    plan, sent_now = plan_and_apply(netmera_stack, emulator, tmp_path)
    assert plan["tag `vip`"] == {"tag": ["user-0006"], "untag": ["user-0005"]}
    assert plan["category `Promotion`"] == {"opt in": ["user-0007"], "opt out": ["user-0001"]}
    assert plan["category `Weekly Newsletter/EMAIL`"] == {"opt in": ["user-0002"]}
    assert plan["profile attributes"] == {"set age": ["cust-mehmet"], "unset loyaltyTier": ["user-0001"]}
    assert sent_now == expected_sends(plan)
    every = {"tagUsers", "untagUsers", "setCategoryPreferences", "setProfileAttributes"}
    every |= {"unsetProfileAttributes", "enablePush", "disablePush", "enableMail", "updateEmail"}
    assert set(sent_now) >= every

    again = netmera_iac(netmera_stack, "plan")
    assert again.returncode == 0 and "**No changes**" in again.stdout, again.stdout


def test_a_plan_after_adopt_lists_only_what_differs_live(
    netmera_stack: NetmeraStack, emulator: Emulator, tmp_path: Path
) -> None:
    adopted = netmera_iac(netmera_stack, "adopt", "--segment", "VIP customers", "--category", "Promotion")
    assert adopted.returncode == 0, adopted.stderr
    nothing = netmera_iac(netmera_stack, "plan")
    assert nothing.returncode == 0 and "**0 user changes**" in nothing.stdout, nothing.stdout
    with emulator.api() as api:  # the live state moves between adopt and the first apply
        api.post("/disablePush", json={"extId": "user-0001"}).raise_for_status()
    refused = netmera_iac(netmera_stack, "plan")  # adopting an opt-in of who just opted out: at preview
    assert refused.returncode == 1 and "user-0001 (opted out" in refused.stdout, refused.stdout
    with emulator.api() as api:
        api.post("/enablePush", json={"extId": "user-0001"}).raise_for_status()
        api.post("/enablePush", json={"extId": "cust-ayse"}).raise_for_status()  # adopted opted out
        body = [{"extId": "cust-ayse", "profile": {"loyaltyTier": "silver"}}]
        api.post("/setProfileAttributes", json=body).raise_for_status()
    emulator.clear_requests()
    plan, sent_now = plan_and_apply(netmera_stack, emulator, tmp_path)
    assert plan["profile attributes"] == {"set loyaltyTier": ["cust-ayse"]}
    assert plan["push permission `push-users` (by extId)"] == {"opt out": ["cust-ayse"]}
    assert sent_now == expected_sends(plan) == Counter({"setProfileAttributes": 1, "disablePush": 1})


def test_a_plan_after_an_interrupted_apply_lists_what_up_sends_again(tmp_path: Path) -> None:
    members = [f"u{n:06d}" for n in range(1, 5001)]
    with generated_stack(tmp_path, "cut", len(members)) as (stack, handle):
        stack.project.env["NETMERA_MAX_CONCURRENCY"] = "1"
        (stack.state_dir / "tags.yaml").write_text(
            yaml.safe_dump({"memberships": {"big": {"members": members[:1000]}}})
        )
        assert stack.cli("up", "--yes", "--skip-preview").returncode == 0
        (stack.state_dir / "tags.yaml").write_text(
            yaml.safe_dump({"memberships": {"big": {"members": members}}})
        )
        handle.add_fault(operation="tagUsers", fault={"kind": "latency", "latency_ms": 300}, probability=1)
        kill_up_when_sent(stack, handle, "tagUsers", 2, settle=1.0)
        handle.control.delete("/faults").raise_for_status()
        assert stack.cli("cancel", "--yes").returncode == 0  # Pulumi's own advice after a kill
        tagged = len(handle.users_of("big", app="cut"))
        assert 1000 < tagged < len(members)  # the update was cut part-way
        plan, sent_now = plan_and_apply(stack, handle, tmp_path)
        (changes,) = plan.values()
        assert set(changes) == {"tag"} and sent_now == expected_sends(plan)
        assert len(members) - tagged <= len(changes["tag"]) <= 4000  # what is not known to be applied
        assert handle.users_of("big", app="cut") == members
        again = netmera_iac(stack, "plan")
        assert again.returncode == 0 and "**No changes**" in again.stdout, again.stdout
