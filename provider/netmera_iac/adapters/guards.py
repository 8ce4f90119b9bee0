"""The mass-change and empty-set guard settings, as they cross Pulumi in a resource's `guard` input.

The program passes the stack's settings (engine/guards.py `GuardSettings`) to every resource, so the
provider's `check` fires the guards at preview with the settings the reviewer sees in the inputs.
"""

from __future__ import annotations

from typing import Any

from ..engine import GuardSettings


def guard_input(settings: GuardSettings) -> dict[str, Any]:
    return {
        "threshold": settings.threshold,
        "minimum": settings.minimum,
        "allowMassChange": settings.allow_mass_change,
        "allowEmpty": settings.allow_empty,
    }


def guard_settings(props: dict[str, Any]) -> GuardSettings:
    raw = props.get("guard") or {}
    return GuardSettings(
        threshold=float(raw.get("threshold", 0.30)),
        minimum=int(raw.get("minimum", 10)),
        allow_mass_change=bool(raw.get("allowMassChange", False)),
        allow_empty=bool(raw.get("allowEmpty", False)),
    )
