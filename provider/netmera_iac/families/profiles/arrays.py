"""`ProfileArrayValues`: values present in or absent from a user's array attribute, sent with
`pushProfileAttributes` / `pullProfileAttributes`, without owning the rest of the array."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ...engine import codec
from ...models import ProfileEntry
from ...resources._base import NetmeraProvider


class ProfileArrayValuesProvider(NetmeraProvider):
    """present: push; absent: pull. Only values newly listed are sent; leaving the lists changes nothing."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.config_failures()
        if not failures:
            push, pull = self._delta(olds, news)
            news = {
                **news,
                "plan": f"push to {len(push)} user(s), pull from {len(pull)} user(s) [{news['attribute']}]",
                "changedUsers": len(set(push) | set(pull)),
            }
        return CheckResult(news, failures)

    @staticmethod
    def _delta(
        olds: dict[str, Any], news: dict[str, Any]
    ) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
        result = []
        for form in ("present", "absent"):
            old, new = codec.json_map_in(olds, form), codec.json_map_in(news, form)
            delta = {u: [v for v in vals if v not in (old.get(u) or [])] for u, vals in new.items()}
            result.append({u: vals for u, vals in delta.items() if vals})
        return result[0], result[1]

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = olds.get("attribute") != news.get("attribute") or not all(
            codec.same_collection(olds, news, form) for form in ("present", "absent")
        )
        return DiffResult(changes=changed, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._send(props["attribute"], *self._delta({}, props))
        return CreateResult(props["attribute"], props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._send(news["attribute"], *self._delta(olds, news))
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
