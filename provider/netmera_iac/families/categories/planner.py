"""Category plans: setCategoryPreferences for each managed user whose known state differs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ...client import NetmeraClient
from ...engine.plan import OPTED_IN, OPTED_OUT, Operation, Plan, Preference
from ...models import CategoryPreferenceEntry


@dataclass(frozen=True)
class CategoryOperation(Operation):
    """setCategoryPreferences of one category (and channel), opting every id in or every id out."""

    @property
    def verb(self) -> str:
        return "opt in" if self.enable else "opt out"

    def send(self, client: NetmeraClient) -> int:
        entries = [
            CategoryPreferenceEntry(
                ext_id=i, category=self.target, enable=bool(self.enable), channel=self.channel
            )
            for i in self.ids
        ]
        return client.set_category_preferences(entries).requests


def _ops(category: str, ids: Iterable[str], enable: bool, channel: str | None) -> tuple[Operation, ...]:
    ordered = tuple(sorted(ids))
    if not ordered:
        return ()
    return (CategoryOperation("setCategoryPreferences", category, ordered, enable, channel),)


def plan_category_preferences(
    category: str,
    channel: str | None,
    desired: Mapping[str, Preference],
    applied: Mapping[str, Preference],
    live: Mapping[str, Preference] | None = None,
) -> Plan:
    """Set each managed user whose known state (live if read, else applied) differs from desired.

    Users leaving the desired map keep their preference: stopping management changes nobody.
    """
    known = {**applied, **(live or {})}
    changed = {ext_id: pref for ext_id, pref in desired.items() if known.get(ext_id) != pref}
    return plan_category_changes(category, channel, changed)


def plan_category_changes(category: str, channel: str | None, wanted: Mapping[str, Preference]) -> Plan:
    """The plan for ids whose known state differs, as a streamed difference gives them
    (adapters/preferences.py), rather than from `plan_category_preferences`'s whole maps."""
    ins = [i for i, p in wanted.items() if p == OPTED_IN]
    outs = [i for i, p in wanted.items() if p == OPTED_OUT]
    return Plan(_ops(category, ins, True, channel) + _ops(category, outs, False, channel))
