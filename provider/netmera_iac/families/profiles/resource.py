"""`ProfileAttributes` (one per stack, whatever the number of users): per user, the values of the
attributes it manages. Changed values go out with `setProfileAttributes` (one entry per user, 1000
  per request), explicit nulls and attributes leaving a user with `unsetProfileAttributes`. Read
  back with `getProfileAttributes`, so refresh finds drift. Before anything is planned, `check`
  compares the managed schema with the app's definitions (`app/profile-attributes`). After an apply
  the changed users are read back (all, a sample, or none) and values Netmera dropped silently fail
  the update.

The additive array values and the retirements are in arrays.py and retirement.py beside this.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, Resource

from ...adapters.guards import guard_input, guard_settings
from ...adapters.interrupted import INTERRUPTED, interrupted_input, interrupted_is_new
from ...adapters.lifecycle import Checked, LifecycleProvider
from ...adapters.progress import observing
from ...adapters.reviewed import adopting
from ...adapters.sampling import read_sample
from ...adapters.sharded import legacy_shard_failures
from ...client import NetmeraError
from ...engine import (
    GuardSettings,
    GuardViolation,
    PartialApplyError,
    Progress,
    abbreviate,
    codec,
    mass_change,
)
from ...engine.errors import VerificationError
from .planner import (
    UNCERTAIN_VALUE,
    ProfilePlan,
    dropped_values,
    mark_uncertain,
    plan_profiles,
)
from .schema import AttributeSpec, Profiles, compare_with_app

PROFILES = "profiles"
VALUE_COUNT = "valueCount"
_app_check_lock = threading.Lock()
_app_problems: dict[tuple[str | None, str, str], list[str]] = {}


class ProfileVerificationError(VerificationError):
    """Values were sent and answered 200, but do not read back."""


def _integral(value: Any) -> Any:
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _restorer(props: dict[str, Any]) -> Callable[[Any], dict[str, Any] | None]:
    """How one user's decoded values are made plain, with integers restored: Netmera drops 41.0 for
    an INTEGER (or DATE) attribute, and maps written before the compact format carried every number
    as a double."""
    attributes = props.get("attributes") or {}
    whole = {c for c, a in attributes.items() if a.get("dataType") in ("INTEGER", "DATE")}

    def restore(values: Any) -> dict[str, Any] | None:
        if not isinstance(values, dict):
            return None
        return {attr: _integral(v) if attr in whole else v for attr, v in values.items()}

    return restore


def _profiles(props: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The whole profiles map (for the rarer paths: adopting, a failure, refresh, delete)."""
    restore = _restorer(props)
    decoded = {u: restore(v) for u, v in codec.json_map_in(props, PROFILES).items()}
    return {u: v for u, v in decoded.items() if v is not None}


def _known(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The profiles last applied, with the attributes of an interrupted or failed change unknown."""
    return mark_uncertain(_profiles(olds), _interrupted(olds, news))


def _interrupted(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, list[str]]:
    """Per user, the attributes an interrupted change may have written (not taken in yet)."""
    if not interrupted_is_new(olds, news):
        return {}
    touched = codec.json_map_in(news, INTERRUPTED)
    return {u: a for u, a in touched.items() if isinstance(a, list)}


def _lines(props: dict[str, Any], lines: Mapping[str, str | None]) -> dict[str, dict[str, Any]]:
    restore = _restorer(props)
    decoded = {u: restore(json.loads(line)) for u, line in lines.items() if line is not None}
    return {u: v for u, v in decoded.items() if v is not None}


def changed_profiles(
    olds: dict[str, Any], news: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(desired, known) values of just the users whose recorded line differs from the desired one,
    or whom an interrupted change touched, by one streamed merge (engine/codec.py): an unchanged
    line needs nothing sent, so the rest of a million users is never decoded. Planning these two
    maps is planning the whole ones."""
    if codec.is_legacy(olds, PROFILES):  # written before the compact format: read whole, once
        return _profiles(news), _known(olds, news)
    diff = codec.str_map_diff_in(olds, news, PROFILES)
    desired = _lines(news, {u: new for u, (_, new) in diff.changed.items()})
    known = _lines(olds, {u: old for u, (old, _) in diff.changed.items()} | diff.removed)
    touched = _interrupted(olds, news)
    if touched:
        desired |= _lines(news, codec.values_among(news, PROFILES, touched))
        known = mark_uncertain(known | _lines(olds, codec.values_among(olds, PROFILES, touched)), touched)
    return desired, known


def managed_values(profiles: Profiles) -> int:
    """How many values a profiles map manages (explicit nulls are not values): the mass-change
    guard's base, kept beside the map so a check need not decode it."""
    return sum(1 for values in profiles.values() for v in values.values() if v is not None)


def _managed(props: dict[str, Any]) -> int:
    count = props.get(VALUE_COUNT)
    if isinstance(count, (int, float)) and not codec.is_legacy(props, PROFILES):
        return int(count)
    return managed_values(_profiles(props))  # a state from before the count was kept


def plan_users(plan: ProfilePlan) -> list[str]:
    return sorted({*plan.sets, *plan.unsets})


def _after_partial(
    desired: dict[str, dict[str, Any]], known: dict[str, dict[str, Any]], plan: ProfilePlan, done: Progress
) -> dict[str, dict[str, Any]]:
    """The profiles Netmera has after a part-way failure, as far as known: a write answered 200 as
    desired, one with an unknown outcome as unknown, one not started as before."""
    result = {u: dict(v) for u, v in desired.items()}
    changes: tuple[tuple[str, dict[str, Any]], ...] = (
        ("setProfileAttributes", {u: list(v) for u, v in plan.sets.items()}),
        ("unsetProfileAttributes", {u: list(v) for u, v in plan.unsets.items()}),
    )
    for operation, by_user in changes:
        for user, attrs in by_user.items():
            if user in done.of(operation):
                continue
            uncertain = user in done.uncertain_of.get(operation, set())
            values = result.setdefault(user, {})
            for attr in attrs:
                if uncertain:
                    values[attr] = UNCERTAIN_VALUE
                elif attr in known.get(user, {}):
                    values[attr] = known[user][attr]
                else:
                    values.pop(attr, None)
    return result


def profiles_input(profiles: dict[str, dict[str, Any]]) -> dict[str, str]:
    return codec.collection(PROFILES, codec.encode_json_map(profiles), "users")


def spec_input(specs: dict[str, AttributeSpec]) -> dict[str, Any]:
    return {c: {"dataType": s.data_type, "isArray": s.is_array} for c, s in sorted(specs.items())}


def _planned_live(
    desired: dict[str, dict[str, Any]], live: dict[str, dict[str, Any]], plan: ProfilePlan
) -> dict[str, dict[str, Any]]:
    """Per user the plan changes: the desired values, with the planned attributes' live values."""
    return {
        u: {
            **desired.get(u, {}),
            **{a: live.get(u, {}).get(a) for a in [*plan.sets.get(u, {}), *plan.unsets.get(u, ())]},
        }
        for u in plan_users(plan)
    }


class ProfileAttributesProvider(LifecycleProvider):
    collection = PROFILES

    def input_failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        if not isinstance(news.get("attributes"), dict):
            return [CheckFailure("attributes", "a map of attribute -> {dataType, isArray} is required")]
        return []

    def state_failures(self, olds: dict[str, Any], news: dict[str, Any]) -> list[CheckFailure]:
        failures = legacy_shard_failures(olds, "ProfileAttributes")
        # Named after no input, so Pulumi says `value {<nil>}` instead of repeating the whole
        # attribute map in front of each problem (8 of ~900 characters for a stack of another app).
        try:
            mismatches = self._app_problems(news["attributes"])
        except NetmeraError as exc:
            mismatches = [f"cannot read the app's attribute definitions: {exc}"]
        if mismatches:
            hint = (
                "the managed schema is the stack's own stacks/<stack>/profile-attributes.schema.json if "
                "it has one, else schemas/profile-attributes.schema.json; `netmera-iac init` writes a "
                "stack's own from the app's definitions"
            )
            failures.append(CheckFailure("appAttributes", "; ".join(mismatches) + f" ({hint})"))
        return failures

    def _app_problems(self, attributes: dict[str, Any]) -> list[str]:
        """Schema vs the app's definitions, read once per process and schema (a read at preview)."""
        specs = {c: AttributeSpec(c, v["dataType"], bool(v["isArray"]), True) for c, v in attributes.items()}
        key = (self.api_key, self.base_url, repr(sorted(attributes.items())))
        with _app_check_lock:
            if key not in _app_problems:
                definitions = self.client().app_profile_attributes().all()
                _app_problems[key] = compare_with_app(specs, definitions)
            return _app_problems[key]

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        new, old = changed_profiles(olds, news)
        plan = plan_profiles(new, old)
        if olds:
            removed = sum(len(attrs) for attrs in plan.unsets.values())
            try:
                mass_change("ProfileAttributes", _managed(olds), removed, guard_settings(news), "unset")
            except GuardViolation as exc:
                return Checked(failures=[CheckFailure("guard", str(exc))])  # names the guard, not a map
        return Checked(plan)

    def planned_adopting(self, news: dict[str, Any]) -> Checked:
        """Planned against the live values read now (one read per user)."""
        new = _profiles(news)
        try:
            live = self._observe(new)
        except NetmeraError as exc:
            return Checked(failures=[CheckFailure("adopt", f"cannot read the live profiles: {exc}")])
        plan = plan_profiles(new, live)
        return Checked(plan, live=_planned_live(new, live, plan))

    def resource_id(self, props: dict[str, Any]) -> str:
        return "profiles"

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        """Send the plan (journaled: the users and attributes it may change), then verify; the
        outputs are the inputs (a part-way failure records what Netmera has instead)."""
        if adopting(olds, news):
            new = _profiles(news)
            live = self._observe(new)
            plan, known = plan_profiles(new, live), lambda: live
        else:
            plan, known = plan_profiles(*changed_profiles(olds, news)), lambda: _known(olds, news)
        self._send(news, plan, known, news.get("verify", "all"), resource_id)
        return news

    def release(self, props: dict[str, Any]) -> None:
        # A failed delete keeps the resource and its state: the next run deletes again.
        plan = plan_profiles({}, _profiles(props))
        if not plan.empty:
            self.send_plan(plan.to_plan())

    def observed(self, props: dict[str, Any]) -> dict[str, Any] | None:
        managed = _profiles(props)
        if not managed:
            return None
        # Users a sampled refresh does not read keep their recorded values (adapters/sampling.py).
        live = {**managed, **self._observe({u: managed[u] for u in read_sample(managed)})}
        return {**props, **profiles_input(live), VALUE_COUNT: managed_values(live)}

    def _observe(self, managed: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Live values of the managed attributes; one absent reads back as unset (None)."""
        with observing("getProfileAttributes", len(managed)):
            live = self.client().get_profile_attributes_many(list(managed))
        return {u: {attr: live[u].profile.get(attr) for attr in values} for u, values in managed.items()}

    def _send(
        self,
        props: dict[str, Any],
        plan: ProfilePlan,
        known: Callable[[], dict[str, dict[str, Any]]],
        verify: str | int,
        resource_id: str | None = None,
    ) -> None:
        """After a part-way failure the outputs record each attribute with an unknown outcome as
        unknown (what was known before is decoded whole then, on that rarer path only: `known`)."""
        if plan.empty:
            return
        client = self.client()
        touched = {u: sorted({*plan.sets.get(u, {}), *plan.unsets.get(u, ())}) for u in plan_users(plan)}
        entry = {"attributes": codec.encode_json_map(touched)}

        def partial(exc: PartialApplyError) -> tuple[dict[str, Any], str, dict[str, Any]]:
            after = _after_partial(_profiles(props), known(), plan, exc.progress)
            reason = (
                f"ProfileAttributes: {exc.cause} — {exc.progress.counts()}; those are recorded as "
                "unknown and sent again by the next `pulumi up` (also after a revert or rollback)"
            )
            return {**props, **profiles_input(after), VALUE_COUNT: managed_values(after)}, reason, entry

        self.send_journaled(plan.to_plan(), set(touched), entry, partial, resource_id)
        if verify == "none" or not plan.sets:
            return
        if isinstance(verify, float):  # numbers cross Pulumi as doubles
            verify = int(verify)
        users = sorted(plan.sets)
        if isinstance(verify, int) and verify < len(users):
            users = sorted(random.Random(0).sample(users, verify))
        read_back = {u: r.profile for u, r in client.get_profile_attributes_many(users).items()}
        dropped = dropped_values(plan, read_back)
        if dropped:
            shown = abbreviate(dropped, 20, sep="; ")
            raise ProfileVerificationError(
                f"setProfileAttributes answered 200 but Netmera dropped {len(dropped)} value(s) "
                f"(unknown users, or values the app rejects): {shown}"
            )


class ProfileAttributes(Resource, module="netmera", name="ProfileAttributes"):
    """Per user, the values of the attributes this stack manages."""

    def __init__(
        self,
        name: str,
        profiles: dict[str, dict[str, Any]],
        attributes: dict[str, AttributeSpec],
        guard: GuardSettings,
        verify: str | int = "all",
        opts: pulumi.ResourceOptions | None = None,
        adopt: bool = False,
        interrupted: str | None = None,
    ) -> None:
        props = {
            **profiles_input(profiles),
            VALUE_COUNT: managed_values(profiles),
            "attributes": spec_input(dict(attributes)),
            "guard": guard_input(guard),
            "verify": verify,
            "adopt": adopt,
            **interrupted_input(interrupted),
        }
        super().__init__(ProfileAttributesProvider(), name, props, opts)
