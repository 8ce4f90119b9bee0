"""Preference maps (id -> opted_in | opted_out), which category entries and consent lists share: their
values checked, their change streamed from the recorded to the desired map, and the mass-change guard
for opt-outs. Memory follows the change: only changed lines are decoded (engine/codec.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckFailure

from ..engine import OPTED_IN, OPTED_OUT, GuardSettings, GuardViolation, Preference, codec, mass_change
from .interrupted import interrupted_ids


def preference_map(props: dict[str, Any], name: str) -> dict[str, Preference]:
    """A map of id -> opted_in | opted_out (category preferences, consent lists); other values dropped."""
    return preference_check(props, name)[0]


def preference_check(props: dict[str, Any], name: str) -> tuple[dict[str, Preference], list[CheckFailure]]:
    """The preference map `name` (decoded once) and a failure if any value is not a preference."""
    raw = codec.str_map_in(props, name)
    good: dict[str, Preference] = {k: v for k, v in raw.items() if v in (OPTED_IN, OPTED_OUT)}  # type: ignore[misc]
    if len(good) == len(raw):
        return good, []
    return good, preference_failure(name, min(set(raw) - set(good)))


def opt_out_failures(
    resource: str, old: dict[str, Preference], new: dict[str, Preference], settings: GuardSettings
) -> list[CheckFailure]:
    """The mass-change guard for opt-outs: ids newly opted out against the ids managed before."""
    newly_out = [i for i, p in new.items() if p == OPTED_OUT and old.get(i) != OPTED_OUT]
    return mass_opt_out_failures(resource, len(old), len(newly_out), settings)


def mass_opt_out_failures(
    resource: str, managed: int, newly_out: int, settings: GuardSettings
) -> list[CheckFailure]:
    """The mass-change guard for opt-outs from counts (a streamed difference has no whole maps)."""
    try:
        mass_change(resource, managed, newly_out, settings, "opt out")
    except GuardViolation as exc:
        return [CheckFailure("guard", str(exc))]  # names the guard, not a huge map
    return []


@dataclass(frozen=True)
class PreferenceChanges:
    """A preference map's change between a resource's recorded and desired properties, streamed
    (engine/codec.py `diff_str_maps`): memory follows the change, not the map.

    `wanted`: the desired preference of every id whose known state differs (new, changed, or sent by
    an interrupted change whose outcome is unknown); `newly_out`: how many of them are opt-outs of ids
    that were not opted out; `managed`: how many ids the recorded map held; `bad`: an id whose
    desired value is not a preference."""

    wanted: dict[str, Preference]
    newly_out: int
    managed: int
    bad: str | None


def preference_changes(
    olds: dict[str, Any], news: dict[str, Any], name: str, diff: codec.MapDiff | None = None
) -> PreferenceChanges:
    """Only changed lines are checked for their value: an unchanged line was checked when it came.
    `diff`: the change of map `name` from `olds` to `news`, when the caller has streamed it already."""
    diff = codec.str_map_diff_in(olds, news, name) if diff is None else diff
    raw = {k: new for k, (_, new) in diff.changed.items()}
    unsure = interrupted_ids(olds, news)
    if unsure:
        raw |= codec.values_among(news, name, unsure)
    wanted: dict[str, Preference] = {k: v for k, v in raw.items() if v in (OPTED_IN, OPTED_OUT)}  # type: ignore[misc]
    bad = min(set(raw) - set(wanted), default=None)
    newly_out = sum(1 for _, (was, now) in diff.changed.items() if now == OPTED_OUT)
    head = codec.props_header(olds, name)
    managed = head.count if head is not None else len(codec.str_map_in(olds, name))
    return PreferenceChanges(wanted, newly_out, managed, bad)


def preference_failure(name: str, bad: str | None) -> list[CheckFailure]:
    if bad is None:
        return []
    return [CheckFailure(name, f"every value must be opted_in or opted_out ({bad!r} is not)")]


def applied_preferences(
    olds: dict[str, Any], news: dict[str, Any], name: str, ids: set[str]
) -> dict[str, Preference]:
    """What the stack knows was applied for `ids`: their recorded values, less the ids of an
    interrupted change (their outcome is unknown)."""
    unsure = interrupted_ids(olds, news)
    known = codec.values_among(olds, name, ids - unsure)
    return {k: v for k, v in known.items() if v in (OPTED_IN, OPTED_OUT)}  # type: ignore[misc]
