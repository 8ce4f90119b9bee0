"""`ProfileArrayValues`: values present in or absent from a user's array attribute, sent with
`pushProfileAttributes` / `pullProfileAttributes`, without owning the rest of the array."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, Resource

from ...adapters.lifecycle import Checked, LifecycleProvider
from ...adapters.provider import encoded_failure
from ...engine import Plan, codec
from .planner import array_plan, plan_array_values

PRESENT, ABSENT = "present", "absent"


def _plan(olds: dict[str, Any], news: dict[str, Any]) -> Plan:
    return array_plan(news["attribute"], *plan_array_values(olds, news))


class ProfileArrayValuesProvider(LifecycleProvider):
    """present: push; absent: pull. Only values newly listed are sent; leaving the lists changes
    nothing, nor does deleting the resource. Pushing or pulling a value again changes nothing, so a
    failed update is sent whole again by the next run (unjournaled)."""

    collection = PRESENT

    def input_failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        failures = encoded_failure(ABSENT, news)
        if not isinstance(news.get("attribute"), str) or not news["attribute"]:
            failures.insert(0, CheckFailure("attribute", "an array attribute name is required"))
        return failures

    def settled(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return olds.get("attribute") == news.get("attribute") and all(
            codec.same_collection(olds, news, form) for form in (PRESENT, ABSENT)
        )

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        return Checked(_plan(olds, news))

    def resource_id(self, props: dict[str, Any]) -> str:
        return str(props["attribute"])

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        self.send_plan(_plan(olds, news))
        return news


def array_values_input(
    attribute: str, present: Mapping[str, Iterable[Any]], absent: Mapping[str, Iterable[Any]]
) -> dict[str, Any]:
    return {
        "attribute": attribute,
        **codec.collection(PRESENT, codec.encode_json_map({u: list(v) for u, v in present.items()})),
        **codec.collection(ABSENT, codec.encode_json_map({u: list(v) for u, v in absent.items()})),
    }


class ProfileArrayValues(Resource, module="netmera", name="ProfileArrayValues"):
    """Values present in / absent from one array attribute of the listed users (additive)."""

    def __init__(
        self,
        name: str,
        attribute: str,
        present: dict[str, tuple[Any, ...]],
        absent: dict[str, tuple[Any, ...]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = array_values_input(attribute, present, absent)
        super().__init__(ProfileArrayValuesProvider(), name, props, opts)
