"""How the program registers the profiles section: the values, each array's additive values, and the
retirements."""

from __future__ import annotations

from ...adapters.registration import Registration
from .arrays import ProfileArrayValues
from .desired import ProfilesSection
from .resource import ProfileAttributes
from .retirement import ProfileAttributeRetirement


def register(spec: ProfilesSection, reg: Registration) -> None:
    if reg.refused(spec.source, len(spec.profiles), "users"):
        return
    ProfileAttributes(
        "profiles",
        {u: dict(values) for u, values in spec.profiles.items()},
        dict(spec.attributes),
        reg.entry_guard(spec.allow_mass_change, allow_empty=True),
        verify=spec.verify,
        adopt=spec.adopt,
        interrupted=reg.recovery.prop("ProfileAttributes", "profiles", "attributes"),
    )
    values = sum(1 for user in spec.profiles.values() for v in user.values() if v is not None)
    reg.manage("ProfileAttributes", "profiles", values, removesUsers=True)
    for attr in sorted(set(spec.present) | set(spec.absent)):
        present, absent = spec.present.get(attr, {}), spec.absent.get(attr, {})
        ProfileArrayValues(f"array:{attr}", attr, dict(present), dict(absent))
        reg.manage("ProfileArrayValues", attr, len(set(present) | set(absent)))
    if spec.retire_attributes or spec.retire_values:
        retire_guard = reg.entry_guard(spec.allow_retire, allow_empty=True)
        ProfileAttributeRetirement("retired", spec.retire_attributes, dict(spec.retire_values), retire_guard)
