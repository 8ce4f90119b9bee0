"""setCategoryPreferences / getCategoryPreferences."""

from __future__ import annotations

from ._base import WireModel

# Channel names as Netmera's SDKs spell them (netmera-api.md §4, NetmeraCategoryChannel).
CHANNELS: tuple[str, ...] = ("MOBILE", "SMS", "EMAIL", "WHATS_APP", "IN_APP", "WEB")


class CategoryPreferenceEntry(WireModel):
    """One entry of `setCategoryPreferences`; without `channel` it applies to every channel."""

    ext_id: str
    category: str
    enable: bool
    channel: str | None = None


class CategoryPreferencesResponse(WireModel):
    """`getCategoryPreferences`: category name -> opted in (over the requested channels). Needed:
    `categoryPreferences` (an answer without it would read as "no categories", hence drift)."""

    category_preferences: dict[str, bool]
