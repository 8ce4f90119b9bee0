"""`ProfileAttributeRetirement`: erases whole attributes (`deleteProfileAttributes`) or single values
(`deleteProfileAttributeValue`) from every user, once, only when explicitly allowed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, Resource

from ...adapters.guards import guard_input, guard_settings
from ...adapters.lifecycle import Checked, LifecycleProvider
from ...engine import GuardSettings
from .planner import plan_retirement


class ProfileAttributeRetirementProvider(LifecycleProvider):
    """Erases from every user, once per listed attribute or value; requires explicit permission.
    What was erased stays erased when the resource goes away."""

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        retirement = plan_retirement(olds, news)
        if retirement.empty or guard_settings(news).allow_mass_change:
            return Checked(retirement)
        return Checked(
            failures=[
                CheckFailure(
                    "retire",
                    f"this would erase from every user of the app: {', '.join(retirement.erasing)}. If "
                    "that is intended, set `retire.allow_mass_change: true` in profiles.yaml or the stack "
                    "config `netmera-iac:allowMassChange true` for this update.",
                )
            ]
        )

    def changed(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return not plan_retirement(olds, news).empty

    def resource_id(self, props: dict[str, Any]) -> str:
        return "retired"

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        self.send_plan(plan_retirement(olds, news).to_plan())
        return news


def retirement_input(
    attributes: Iterable[str], values: Mapping[str, Iterable[Any]], guard: GuardSettings
) -> dict[str, Any]:
    return {
        "attributes": list(attributes),
        "values": {a: list(v) for a, v in sorted(values.items())},
        "guard": guard_input(guard),
    }


class ProfileAttributeRetirement(Resource, module="netmera", name="ProfileAttributeRetirement"):
    """Attributes and values erased from every user of the app (sent once each)."""

    def __init__(
        self, name: str, attributes: tuple[str, ...], values: dict[str, tuple[Any, ...]], guard: GuardSettings
    ) -> None:
        props = retirement_input(attributes, values, guard)
        super().__init__(ProfileAttributeRetirementProvider(), name, props)
