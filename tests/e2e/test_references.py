"""The state keeps a collection once, with the inputs (adapters/references.py), through every step
the real engine takes: create, a no-change preview, refresh, update, and delete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from netmera_iac.engine import codec
from netmera_iac.workflow.pulumi_cli import resource_outputs
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack, generated_stack

pytestmark = pytest.mark.e2e


def _camp(stack: NetmeraStack) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The resource's stored inputs and outputs, and its outputs as the workflow reads them."""
    exported = json.loads(stack.cli("stack", "export", check=True).stdout)
    (camp,) = [r for r in exported["deployment"]["resources"] if r["urn"].endswith(":TagMembership::camp")]
    return dict(camp["inputs"]), dict(camp["outputs"]), resource_outputs(exported, ":TagMembership")["camp"]


def test_the_state_holds_a_collection_once_through_create_refresh_update_and_delete(tmp_path: Path) -> None:
    owned = [f"u{n:06d}" for n in range(1, 5_001)]
    kept = owned[:4_000]
    with generated_stack(tmp_path, "camp", 5_000) as (stack, handle):
        stack.write({"memberships": {"camp": {"members": owned}}})
        stack.stack.up()
        inputs, outputs, read = _camp(stack)
        assert codec.is_reference(outputs["__members"])  # the outputs name the inputs' collection
        assert codec.header(outputs["__members"]) == codec.header(inputs["__members"])
        assert len(json.dumps(outputs)) < len(json.dumps(inputs)) / 4
        assert codec.ids_in(read, "members") == set(owned)  # the workflow reads it whole

        # Diff resolves the reference and finds nothing to do; refresh keeps the state as it was.
        assert stack.cli("preview", "--expect-no-changes").returncode == 0
        stack.stack.refresh()
        inputs, outputs, _ = _camp(stack)  # refresh gives every output back as an input
        assert outputs["__members"] == codec.reference(inputs["__members"])
        assert not codec.is_reference(outputs["__uncertain"])  # added by the refresh: the program's
        assert "__uncertain" in inputs  # next inputs will not hold it
        assert stack.cli("preview", "--expect-no-changes").returncode == 0

        # Update plans from the resolved old outputs: exactly the 1000 users who left are untagged.
        stack.write({"memberships": {"camp": {"members": kept}}})
        handle.control.delete("/requests")
        stack.stack.up()
        assert handle.users_of("camp", app="camp") == kept
        assert sorted((r["operation"], r["ids"]) for r in writes(handle)) == [("untagUsers", 1000)]
        inputs, outputs, _ = _camp(stack)
        assert outputs["__members"] == codec.reference(inputs["__members"])

        # Delete resolves the reference from the old inputs: the users it managed are untagged.
        stack.write({"memberships": {}})
        stack.stack.set_config("netmera-iac:allowMassChange", auto.ConfigValue("true"))
        handle.control.delete("/requests")
        stack.stack.up()
        assert handle.users_of("camp", app="camp") == []
        assert sorted((r["operation"], r["ids"]) for r in writes(handle)) == [("untagUsers", 1000)] * 4
