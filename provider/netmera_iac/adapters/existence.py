"""`check_existence`: the external ids of a change that Netmera does not know, found before sending.

Netmera answers 200 to a tag, category or consent write for an external id it does not know, and
changes nobody; recorded as applied, such an id would make the state claim what Netmera does not have,
and a typo would never be seen. With `checkExistence` on a resource (desired state `check_existence:
true`, or the stack's `netmera-iac:checkExistence`), the ids its plan would write are first asked
about with the API's only batched existence read: untagUsers of a tag nobody carries, with
`checkExistence` (1000 ids per request, so at most one extra request per 1000 changed ids, the
same read erasure makes). Unknown ids are left out of the plan, not recorded as changed, reported
as a warning of the resource in `pulumi up`'s output and kept in its outputs (`notInNetmera`), so
every later run asks again and sends them once Netmera knows them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any, Final

from ..client import NetmeraClient
from ..engine import Plan, abbreviate
from .process import engine_warning

CHECK_EXISTENCE: Final = "checkExistence"
NOT_FOUND: Final = "notInNetmera"
# Untagged to ask which users exist: no user carries it.
EXISTENCE_PROBE_TAG: Final = "netmera-iac-existence-check"
SHOWN: Final = 20


def existence_input(check: bool) -> dict[str, Any]:
    """Present only when on, so resources of stacks that do not use it keep their inputs."""
    return {CHECK_EXISTENCE: True} if check else {}


def unknown_ids(client: NetmeraClient, ids: Collection[str]) -> frozenset[str]:
    if not ids:
        return frozenset()
    return frozenset(client.untag_users_not_existing(EXISTENCE_PROBE_TAG, sorted(ids)))


def known_only(
    client: NetmeraClient, props: dict[str, Any], plan: Plan, resource: str, asked: Collection[str]
) -> tuple[Plan, frozenset[str]]:
    """The plan without the ids Netmera does not know (only when the resource asks), and those ids,
    reported as a warning of `resource`. `asked`: the operations (by endpoint) whose ids are external
    ids that a write for an unknown user would silently skip (an untag of one changes nothing, so
    is not asked about)."""
    if not props.get(CHECK_EXISTENCE):
        return plan, frozenset()
    unknown = unknown_ids(client, {i for op in plan.operations if op.name in asked for i in op.ids})
    if not unknown:
        return plan, unknown
    kept = (
        replace(op, ids=tuple(i for i in op.ids if i not in unknown)) if op.name in asked else op
        for op in plan.operations
    )
    engine_warning(
        f"{resource}: {len(unknown)} id(s) not known to Netmera, so not sent and not recorded as "
        f"changed: {abbreviate(sorted(unknown), SHOWN)}; every `pulumi up` asks again and sends them "
        "once Netmera knows them"
    )
    return Plan(tuple(op for op in kept if op.ids)), unknown


def not_found_output(props: dict[str, Any], unknown: Collection[str]) -> dict[str, Any]:
    """What the outputs say of the last check (nothing when the resource does not ask)."""
    if not props.get(CHECK_EXISTENCE):
        return {}
    shown = sorted(unknown)
    return {NOT_FOUND: {"count": len(shown), "ids": shown[:SHOWN]}}
