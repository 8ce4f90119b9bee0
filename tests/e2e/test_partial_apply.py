"""A failed `pulumi up` records what it applied, so a revert plans from the truth (issue 13, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi import automation as auto

from netmera_iac.engine import codec
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack, generated_stack

pytestmark = pytest.mark.e2e


def camp_outputs(stack: NetmeraStack) -> dict[str, object]:
    exported = json.loads(stack.cli("stack", "export", check=True).stdout)
    (camp,) = [r for r in exported["deployment"]["resources"] if r["urn"].endswith(":TagMembership::camp")]
    return codec.resolved(camp["outputs"], camp["inputs"])  # as the workflow reads them


def test_a_failed_update_then_a_revert_leaves_exactly_the_reverted_users(tmp_path: Path) -> None:
    owned = [f"u{n:06d}" for n in range(1, 10_001)]
    added = [f"u{n:06d}" for n in range(10_001, 13_001)]
    with generated_stack(tmp_path, "camp", 13_000) as (stack, handle):
        stack.write({"memberships": {"camp": {"members": owned}}})
        stack.stack.up()

        # Three tagUsers calls of 1000; the second to arrive fails for good (400, not retried).
        handle.add_fault(operation="tagUsers", sequence=[None, {"kind": "status", "status": 400}, None])
        stack.write({"memberships": {"camp": {"members": owned + added}}})
        handle.control.delete("/requests")
        with pytest.raises(auto.CommandError, match="applied: tagged 2000, untagged 0; 1000 id") as failed:
            stack.stack.up()
        assert "Traceback" not in str(failed.value)  # the error as a tool says it (issue 13, item 5)
        tagged = set(handle.users_of("camp", app="camp"))
        assert len(tagged) == 12_000
        outputs = camp_outputs(stack)  # the state says what Netmera has: 12,000 members, 1000 unknown
        assert codec.ids_in(outputs, "members") == tagged
        assert codec.ids_in(outputs, "uncertain") == set(added) - tagged

        # The user reverts the file; the next up removes what the failed one applied, and the unknown.
        handle.control.delete("/faults")
        stack.write({"memberships": {"camp": {"members": owned}}})
        handle.control.delete("/requests")
        # A plain preview (no refresh) already plans from the truth: the journal holds what failed.
        preview = stack.cli("preview", "--diff")
        said = preview.stdout + preview.stderr
        assert "the last update of TagMembership 'camp' failed part-way" in said, said
        assert "untag 3000 user(s)" in preview.stdout, preview.stdout
        assert writes(handle) == []
        stack.stack.up()
        assert handle.users_of("camp", app="camp") == owned
        assert sorted((r["operation"], r["ids"]) for r in writes(handle)) == [("untagUsers", 1000)] * 3
        assert "failed part-way" not in stack.cli("preview").stdout  # the entry went with the success
        assert stack.cli("preview", "--expect-no-changes").returncode == 0
