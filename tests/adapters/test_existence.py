"""`known_only` against the emulator: only the asked operations lose their unknown ids, at one read
per 1000 ids, and only when the resource asks."""

from __future__ import annotations

from netmera_iac.adapters.existence import CHECK_EXISTENCE, NOT_FOUND, known_only, not_found_output
from netmera_iac.client import NetmeraClient
from netmera_iac.emulator.server import DEMO_API_KEY
from netmera_iac.engine import Operation, Plan
from tests.adapters.conftest import writes
from tests.conftest import Emulator


def test_known_only_drops_unknown_ids_of_the_asked_operations(emulator: Emulator) -> None:
    ghosts = tuple(f"ghost-{n:04d}" for n in range(1200))
    plan = Plan(
        (Operation("untagUsers", "vip", ("nobody",)), Operation("tagUsers", "vip", ("cust-ayse", *ghosts)))
    )
    with NetmeraClient(DEMO_API_KEY, emulator.base_url) as client:
        assert known_only(client, {}, plan, "tag 'vip'", {"tagUsers"}) == (plan, frozenset())
        assert writes(emulator) == 0  # not asked: nothing read
        kept, unknown = known_only(client, {CHECK_EXISTENCE: True}, plan, "tag 'vip'", {"tagUsers"})
    assert unknown == frozenset(ghosts)
    assert [(op.name, op.ids) for op in kept.operations] == [
        ("untagUsers", ("nobody",)),
        ("tagUsers", ("cust-ayse",)),
    ]
    assert [r["ids"] for r in emulator.requests("untagUsers")] == [1000, 201]
    assert not_found_output({CHECK_EXISTENCE: True}, unknown)[NOT_FOUND]["count"] == 1200
    assert not_found_output({}, unknown) == {}
