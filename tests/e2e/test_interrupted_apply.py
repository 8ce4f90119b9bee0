"""A killed `pulumi up` is recovered by the next run, from the stack's journal (issue 13, item 2).

The reproduction of the issue, at a tenth of its size: tag `camp` owns 1,000 users, a change adding
9,000 is killed after a few tagUsers calls, then the user follows Pulumi's own advice (`pulumi cancel`,
`pulumi refresh`, which drops the engine's record of the interrupted update), reverts and runs plain
`pulumi up`. Exactly the 1,000 users must stay tagged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pulumi import automation as auto

from netmera_iac.engine.journal import SUFFIX
from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack, generated_stack, kill_up_when_sent, netmera_iac

pytestmark = pytest.mark.e2e

OWNED = [f"u{n:06d}" for n in range(1, 1_001)]
ADDED = [f"u{n:06d}" for n in range(1_001, 10_001)]
FOUND = "an interrupted update was found: TagMembership"


def journal_files(tmp_path: Path) -> list[Path]:
    """The journal of a file backend lives in the backend folder (harness: tmp_path/state)."""
    return sorted((tmp_path / "state" / ".netmera-iac" / "inflight").rglob(f"*{SUFFIX}"))


@contextmanager
def camp_stack(tmp_path: Path) -> Iterator[tuple[NetmeraStack, Emulator]]:
    """A stack whose tag `camp` owns the 1,000 users of OWNED, applied."""
    with generated_stack(tmp_path, "camp", 10_000) as (stack, handle):
        stack.write({"memberships": {"camp": {"members": OWNED}}})
        stack.stack.up()
        yield stack, handle


def kill_up_after(stack: NetmeraStack, handle: Emulator, calls: int) -> None:
    """Start `pulumi up` with every tagUsers answered after 1.5 s and SIGKILL its process group once
    `calls` of them have arrived."""
    handle.add_fault(operation="tagUsers", fault={"kind": "latency", "latency_ms": 1500}, probability=1)
    # Requests in flight are answered within 3 s; the provider stops itself (item 3).
    kill_up_when_sent(stack, handle, "tagUsers", calls, settle=3)
    handle.control.delete("/faults")


def test_a_killed_update_then_refresh_and_revert_leaves_exactly_the_reverted_users(tmp_path: Path) -> None:
    with camp_stack(tmp_path) as (stack, handle):
        stack.write({"memberships": {"camp": {"members": OWNED + ADDED}}})
        handle.control.delete("/requests")
        kill_up_after(stack, handle, calls=2)
        wrongly = set(handle.users_of("camp", app="camp")) - set(OWNED)
        assert wrongly, "the killed update tagged nobody: the test proves nothing"
        assert len(journal_files(tmp_path)) == 1

        # What Pulumi itself advises after an interruption; the refresh drops its pending operation.
        assert stack.cli("cancel", "--yes").returncode == 0
        refreshed = stack.cli("refresh", "--yes", "--skip-preview")
        assert refreshed.returncode == 0, refreshed.stderr

        stack.write({"memberships": {"camp": {"members": OWNED}}})  # the revert
        handle.control.delete("/requests")
        preview = stack.cli("preview", "--diff")
        assert preview.returncode == 0, preview.stderr
        said = preview.stdout + preview.stderr
        assert f"{FOUND} 'camp'" in said and "9000 user(s)" in said, said
        assert "untag 9000" in preview.stdout  # the plan line shows what will be sent
        summary = netmera_iac(stack, "plan")  # the reviewer's summary says it too
        assert f"{FOUND} 'camp'" in summary.stdout and "untag again 9000" in summary.stdout, summary.stdout
        assert writes(handle) == []

        up = stack.cli("up", "--yes", "--skip-preview")
        assert up.returncode == 0, up.stdout + up.stderr
        assert handle.users_of("camp", app="camp") == OWNED
        assert sorted((r["operation"], r["ids"]) for r in writes(handle)) == [("untagUsers", 1000)] * 9
        assert journal_files(tmp_path) == []
        assert stack.cli("preview", "--expect-no-changes").returncode == 0


def test_a_killed_create_of_a_tag_then_removed_untags_everyone_it_may_have_tagged(tmp_path: Path) -> None:
    promo = [f"u{n:06d}" for n in range(2_001, 8_001)]
    with camp_stack(tmp_path) as (stack, handle):
        stack.write({"memberships": {"camp": {"members": OWNED}, "promo": {"members": promo}}})
        handle.control.delete("/requests")
        kill_up_after(stack, handle, calls=2)
        assert handle.users_of("promo", app="camp"), "the killed create tagged nobody"
        assert stack.cli("cancel", "--yes").returncode == 0

        stack.write({"memberships": {"camp": {"members": OWNED}}})  # promo is dropped altogether
        handle.control.delete("/requests")
        # Up to 6000 users may carry promo: dropping it is a mass change, refused at preview.
        refused = stack.cli("up", "--yes")
        assert refused.returncode != 0
        assert "removing TagMembership:promo: this change would remove 6000" in refused.stdout
        assert writes(handle) == []
        stack.stack.set_config("netmera-iac:allowMassChange", auto.ConfigValue("true"))
        up = stack.cli("up", "--yes", "--skip-preview")
        assert up.returncode == 0, up.stdout + up.stderr
        assert "is no longer in the desired state" in up.stdout
        assert handle.users_of("promo", app="camp") == []
        assert handle.users_of("camp", app="camp") == OWNED
        assert {r["operation"] for r in writes(handle)} == {"untagUsers"}
        assert journal_files(tmp_path) == []

        # The next run removes the retired resource, which manages nobody: not one request.
        stack.stack.remove_config("netmera-iac:allowMassChange")
        handle.control.delete("/requests")
        again = stack.cli("up", "--yes", "--skip-preview")
        assert again.returncode == 0, again.stdout + again.stderr
        assert writes(handle) == []
        assert stack.cli("preview", "--expect-no-changes").returncode == 0


def test_a_killed_update_then_a_rollback_leaves_exactly_the_rolled_back_users(tmp_path: Path) -> None:
    with camp_stack(tmp_path) as (stack, handle):  # version 1
        stack.write({"memberships": {"camp": {"members": OWNED + ADDED}}})
        kill_up_after(stack, handle, calls=2)
        assert set(handle.users_of("camp", app="camp")) - set(OWNED)
        assert stack.cli("cancel", "--yes").returncode == 0

        handle.control.delete("/requests")
        rolled = netmera_iac(stack, "rollback", "--to", "1")  # the design's own recovery path
        assert rolled.returncode == 0, rolled.stdout + rolled.stderr
        assert FOUND in rolled.stdout
        assert handle.users_of("camp", app="camp") == OWNED
        assert {r["operation"] for r in writes(handle)} == {"untagUsers"}
        assert journal_files(tmp_path) == []
