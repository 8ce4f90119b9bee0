"""`ProfileAttributeRetirement`: erases whole attributes (`deleteProfileAttributes`) or single values
(`deleteProfileAttributeValue`) from every user, once, only when explicitly allowed."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ...adapters.guards import guard_input, guard_settings
from ...adapters.provider import NetmeraProvider
from ...engine import GuardSettings
from ...models import DeleteProfileAttributeValueEntry


class ProfileAttributeRetirementProvider(NetmeraProvider):
    """Erases from every user, once per listed attribute or value; requires explicit permission."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.config_failures()
        attrs, values = self._new_work(olds, news)
        erasing = [f"attribute {a!r}" for a in attrs] + [
            f"value {v!r} of {a!r}" for a, vs in values.items() for v in vs
        ]
        if erasing and not guard_settings(news).allow_mass_change:
            failures.append(
                CheckFailure(
                    "retire",
                    f"this would erase from every user of the app: {', '.join(erasing)}. If that is "
                    "intended, set `retire.allow_mass_change: true` in profiles.yaml or the stack config "
                    "`netmera-iac:allowMassChange true` for this update.",
                )
            )
        news = {**news, "plan": "erase from every user: " + (", ".join(erasing) or "nothing new")}
        return CheckResult(news, failures)

    @staticmethod
    def _new_work(olds: dict[str, Any], news: dict[str, Any]) -> tuple[list[str], dict[str, list[Any]]]:
        done_attrs = set(olds.get("attributes") or [])
        attrs = [a for a in news.get("attributes") or [] if a not in done_attrs]
        old_values = olds.get("values") or {}
        values = {
            a: [v for v in vs if v not in (old_values.get(a) or [])]
            for a, vs in (news.get("values") or {}).items()
        }
        return attrs, {a: vs for a, vs in values.items() if vs}

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        attrs, values = self._new_work(olds, news)
        return DiffResult(changes=bool(attrs or values))

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._send(*self._new_work({}, props))
        return CreateResult("retired", props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._send(*self._new_work(olds, news))
        return UpdateResult(news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # what was erased stays erased

    def _send(self, attrs: list[str], values: dict[str, list[Any]]) -> None:
        client = self.client()
        if attrs:
            client.delete_profile_attributes(attrs)
        pairs = [
            DeleteProfileAttributeValueEntry(key=a, value=v) for a, vs in sorted(values.items()) for v in vs
        ]
        if pairs:
            client.delete_profile_attribute_value(pairs)


class ProfileAttributeRetirement(Resource, module="netmera", name="ProfileAttributeRetirement"):
    """Attributes and values erased from every user of the app (sent once each)."""

    def __init__(
        self, name: str, attributes: tuple[str, ...], values: dict[str, tuple[Any, ...]], guard: GuardSettings
    ) -> None:
        props = {
            "attributes": list(attributes),
            "values": {a: list(v) for a, v in sorted(values.items())},
            "guard": guard_input(guard),
        }
        super().__init__(ProfileAttributeRetirementProvider(), name, props)
