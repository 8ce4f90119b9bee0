"""`CategoryPreferences`: which users are opted in or out of one category (and optionally one channel).

Applied with `setCategoryPreferences`, read back with `getCategoryPreferences`, so `pulumi refresh`
and `pulumi preview --refresh --expect-no-changes` find changes made outside the stack. Users leaving
the desired state keep their preference, and deleting the resource changes nobody.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, Resource

from ...adapters.existence import known_only, not_found_output
from ...adapters.guards import guard_input, guard_settings
from ...adapters.interrupted import interrupted_input
from ...adapters.lifecycle import Checked, LifecycleProvider
from ...adapters.preferences import (
    applied_preferences,
    mass_opt_out_failures,
    preference_changes,
    preference_check,
    preference_failure,
    preference_map,
)
from ...adapters.progress import observing
from ...adapters.reviewed import adopting
from ...adapters.sampling import read_sample
from ...client import NetmeraError
from ...engine import (
    OPTED_IN,
    OPTED_OUT,
    GuardSettings,
    PartialApplyError,
    Plan,
    Preference,
    codec,
)
from .planner import plan_category_changes, plan_category_preferences

PREFERENCES = "preferences"
SAMPLED_USERS = 5  # users read at most to learn the app's categories
_categories_lock = threading.Lock()
_categories: dict[tuple[str | None, str, str], frozenset[str]] = {}


def _prefs(props: dict[str, Any]) -> dict[str, Preference]:
    return preference_map(props, PREFERENCES)


def preferences_input(preferences: dict[str, Preference]) -> dict[str, str]:
    return codec.collection(PREFERENCES, codec.encode_str_map(preferences), "users")


def _id(props: dict[str, Any]) -> str:
    return f"{props['category']}/{props['channel']}" if props.get("channel") else str(props["category"])


class CategoryPreferencesProvider(LifecycleProvider):
    collection = PREFERENCES
    replaced_by = ("category", "channel")

    def input_failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        if not isinstance(news.get("category"), str) or not news["category"]:
            return [CheckFailure("category", "a category name is required")]
        return []

    def resource_id(self, props: dict[str, Any]) -> str:
        return _id(props)

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        changes = preference_changes(olds, news, PREFERENCES)
        failures = preference_failure(PREFERENCES, changes.bad)
        if changes.wanted and not failures:
            sampled = codec.first_keys(news, PREFERENCES, SAMPLED_USERS)
            failures += self._category_failures(news["category"], sampled)
        if olds and not failures:
            resource = f"CategoryPreferences {_id(news)!r}"
            failures += mass_opt_out_failures(
                resource, changes.managed, changes.newly_out, guard_settings(news)
            )
        if failures:
            return Checked(failures=failures)
        return Checked(plan_category_changes(news["category"], news.get("channel"), changes.wanted))

    def planned_adopting(self, news: dict[str, Any]) -> Checked:
        """Planned against the live state read now, whole (reading it is one request per user anyway)."""
        new, failures = preference_check(news, PREFERENCES)
        if new and not failures:
            failures += self._category_failures(news["category"], sorted(new)[:SAMPLED_USERS])
        if failures:
            return Checked(failures=failures)
        try:
            live = self._observe(news)
        except NetmeraError as exc:
            return Checked(failures=[CheckFailure("adopt", f"cannot read the live preferences: {exc}")])
        plan = plan_category_preferences(news["category"], news.get("channel"), new, live)
        return Checked(plan, live={i: live.get(i) for i in sorted(plan.touched)})

    def _category_failures(self, category: str, users: list[str]) -> list[CheckFailure]:
        """Netmera skips an entry for a category the app does not define and still answers 200, so
        a typo would change nothing, silently. The app's categories are read where the API shows
        them: getCategoryPreferences of a known user lists every category of the app (one read,
        of the first listed users until one is known; checked only when something is to be sent)."""
        try:
            defined = self._app_categories(users[:SAMPLED_USERS])
        except NetmeraError as exc:
            return [CheckFailure("category", f"cannot read the app's categories: {exc}")]
        if defined is None or category in defined:
            return []  # none of the sampled users is known to Netmera: nothing to compare with
        return [
            CheckFailure(
                "category",
                f"category {category!r} is not defined in the app (its categories, read with "
                f"getCategoryPreferences: {', '.join(sorted(defined))}); Netmera would skip every "
                "entry and answer 200",
            )
        ]

    def _app_categories(self, users: list[str]) -> frozenset[str] | None:
        for user in users:
            key = (self.api_key, self.base_url, user)
            with _categories_lock:
                if key not in _categories:
                    answer = self.client().get_category_preferences(user)
                    _categories[key] = frozenset(answer.category_preferences)
                if _categories[key]:
                    return _categories[key]
        return None

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        if adopting(olds, news):
            live = self._observe(news)
            plan = plan_category_preferences(news["category"], news.get("channel"), _prefs(news), live)
            return self._apply(news, plan, lambda ids: {i: live[i] for i in ids if i in live}, resource_id)
        return self._apply(news, *self._planned(olds, news), resource_id)

    def _planned(
        self, olds: dict[str, Any], news: dict[str, Any]
    ) -> tuple[Plan, Callable[[set[str]], dict[str, Preference]]]:
        """The plan from the streamed change (as `check` made it), and how to learn what was applied
        for some ids should the send fail part-way."""
        changes = preference_changes(olds, news, PREFERENCES)
        plan = plan_category_changes(news["category"], news.get("channel"), changes.wanted)
        return plan, lambda ids: applied_preferences(olds, news, PREFERENCES, ids)

    # Deleting the resource (`release`) changes nobody's preference.

    def observed(self, props: dict[str, Any]) -> dict[str, Any] | None:
        managed = _prefs(props)
        if not managed:
            return None
        # A user Netmera no longer knows keeps the last applied value, as does one a sampled refresh
        # does not read (adapters/sampling.py).
        return {**props, **preferences_input({**managed, **self._observe(props, read_sample(managed))})}

    def _observe(self, props: dict[str, Any], users: list[str] | None = None) -> dict[str, Preference]:
        """Live preferences of the listed users (or of `users`) for this category (and channel), where
        Netmera has one."""
        managed = users if users is not None else list(_prefs(props))
        channels = [props["channel"]] if props.get("channel") else None
        with observing("getCategoryPreferences", len(managed)):
            live = self.client().get_category_preferences_many(list(managed), channels)
        observed: dict[str, Preference] = {}
        for ext_id in managed:
            answer = live.get(ext_id)
            value = answer.category_preferences.get(props["category"]) if answer else None
            if value is not None:
                observed[ext_id] = OPTED_IN if value else OPTED_OUT
        return observed

    def _apply(
        self,
        props: dict[str, Any],
        plan: Plan,
        applied_of: Callable[[set[str]], dict[str, Preference]],
        resource_id: str | None = None,
    ) -> dict[str, Any]:
        """Send the plan (journaled); the outputs are the inputs, or, after a part-way failure, the
        preferences known to hold (ids with an unknown outcome left out, so they are sent again).
        Whole maps are decoded only on those rarer paths: ids Netmera does not know, or a failure."""
        if plan.empty:
            return {**props, **not_found_output(props, ())}
        asked = {"setCategoryPreferences"}
        plan, unknown = known_only(self.client(), props, plan, f"CategoryPreferences {_id(props)!r}", asked)
        if unknown:  # not recorded as set: the next run asks again
            applied = applied_of(set(unknown))
            desired = {i: p for i, p in _prefs(props).items() if i not in unknown}
            props = {**props, **preferences_input(desired | applied)}
        props = {**props, **not_found_output(props, unknown)}
        if plan.empty:
            return props
        sent = plan.touched

        def partial(exc: PartialApplyError) -> tuple[dict[str, Any], str, dict[str, Any]]:
            done = exc.progress.of("setCategoryPreferences")
            known = {i: p for i, p in _prefs(props).items() if i not in sent or i in done}
            known |= applied_of(sent - done - exc.progress.uncertain)
            reason = (
                f"CategoryPreferences {_id(props)!r}: {exc.cause} — {exc.progress.counts()}; those "
                "are sent again by the next `pulumi up` (also after a revert or rollback)"
            )
            return {**props, **preferences_input(known)}, reason, {}

        self.send_journaled(plan, sent, {}, partial, resource_id)
        return props


class CategoryPreferences(Resource, module="netmera", name="CategoryPreferences"):
    """Opt-in/opt-out of the listed users for one category (and optionally one channel)."""

    category: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        category: str,
        preferences: dict[str, Preference],
        guard: GuardSettings,
        channel: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
        adopt: bool = False,
        interrupted: str | None = None,
        existence: dict[str, Any] | None = None,
    ) -> None:
        props = {
            "category": category,
            "channel": channel,
            **preferences_input(preferences),
            "guard": guard_input(guard),
            "adopt": adopt,
            **interrupted_input(interrupted),
            **(existence or {}),  # adapters/existence.py
        }
        super().__init__(CategoryPreferencesProvider(), name, props, opts)
