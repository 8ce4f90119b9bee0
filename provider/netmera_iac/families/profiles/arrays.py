"""`ProfileArrayValues`: values present in or absent from a user's array attribute, sent with
`pushProfileAttributes` / `pullProfileAttributes`, without owning the rest of the array."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ...adapters.provider import NetmeraProvider
from ...engine import codec
from ...models import ProfileEntry
from .planner import plan_array_values


class ProfileArrayValuesProvider(NetmeraProvider):
    """present: push; absent: pull. Only values newly listed are sent; leaving the lists changes nothing."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.config_failures()
        if not failures:
            push, pull = plan_array_values(olds, news)
            news = {
                **news,
                "plan": f"push to {len(push)} user(s), pull from {len(pull)} user(s) [{news['attribute']}]",
                "changedUsers": len(set(push) | set(pull)),
            }
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = olds.get("attribute") != news.get("attribute") or not all(
            codec.same_collection(olds, news, form) for form in ("present", "absent")
        )
        return DiffResult(changes=changed, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._send(props["attribute"], *plan_array_values({}, props))
        return CreateResult(props["attribute"], props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._send(news["attribute"], *plan_array_values(olds, news))
        return UpdateResult(news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None

    def _send(self, attr: str, push: dict[str, list[Any]], pull: dict[str, list[Any]]) -> None:
        client = self.client()
        if push:
            client.push_profile_attributes(
                [ProfileEntry(ext_id=u, profile={attr: v}) for u, v in sorted(push.items())]
            )
        if pull:
            client.pull_profile_attributes(
                [ProfileEntry(ext_id=u, profile={attr: v}) for u, v in sorted(pull.items())]
            )


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
        props = {
            "attribute": attribute,
            **codec.collection("present", codec.encode_json_map({u: list(v) for u, v in present.items()})),
            **codec.collection("absent", codec.encode_json_map({u: list(v) for u, v in absent.items()})),
        }
        super().__init__(ProfileArrayValuesProvider(), name, props, opts)
