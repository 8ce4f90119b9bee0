"""How the program registers the categories section: one resource per category (and channel)."""

from __future__ import annotations

import pulumi

from ...adapters.registration import Registration
from .desired import CategoriesSection
from .resource import CategoryPreferences


def register(spec: CategoriesSection, reg: Registration) -> None:
    for c in spec.preferences:
        settings = reg.entry_guard(c.allow_mass_change, c.allow_empty)
        if reg.refused(c.source, len(c.preferences), "ids", settings):
            continue
        CategoryPreferences(
            c.target,
            c.category,
            dict(c.preferences),
            settings,
            channel=c.channel,
            opts=pulumi.ResourceOptions(protect=c.protect),
            adopt=c.adopt,
            interrupted=reg.recovery.ids("CategoryPreferences", c.target),
            existence=reg.existence(c.check_existence),
        )
        reg.manage("CategoryPreferences", c.target, len(c.preferences))
