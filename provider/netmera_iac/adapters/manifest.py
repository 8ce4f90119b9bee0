"""`StackManifest`: one resource listing every Netmera resource of the stack and how many users each
manages. Its `check` sees the previous list, so the guard against removing a whole resource (which
untags everyone it manages) fires at preview, before any request, like every other guard. A resource
the desired state dropped while its last change was interrupted is kept one more update, `retiring`,
to finish that change (program.py): its removal is guarded then, when it is decided, and it is listed
with no users, so the delete that follows is not guarded twice.

It also refuses to drop a consent list: deleting one changes nobody's consent, but its ledger (who
opted out, and when) would go with it, and a list re-created later could opt those users in again
without evidence. An emptied list keeps the ledger and manages nobody."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ..engine import GuardSettings, GuardViolation, mass_change
from .guards import guard_input, guard_settings
from .provider import NetmeraProvider


class StackManifestProvider(NetmeraProvider):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures: list[CheckFailure] = []
        settings = guard_settings(news)
        old_entries: dict[str, Any] = olds.get("resources") or {}
        new_entries: dict[str, Any] = news.get("resources") or {}
        for name, old in sorted(old_entries.items()):
            new = new_entries.get(name)
            if new is not None and new.get("retiring"):
                new = None  # kept one more update only to finish an interrupted change: removed now
            if new is None and old.get("removesUsers") and not old.get("retainOnDelete"):
                try:
                    mass_change(f"removing {name}", int(old["users"]), int(old["users"]), settings)
                except GuardViolation as exc:
                    failures.append(
                        CheckFailure("resources", f"{exc} (or set `retain_on_delete: true` first)")
                    )
            if new is None and old.get("keepsLedger") and not news.get("allowForgetConsent"):
                failures.append(
                    CheckFailure(
                        "resources",
                        f"removing {name} would forget its consent ledger (who opted out, and when), and "
                        "with it the consent guard for those users. Keep the list in consent.yaml, emptied "
                        "(e.g. `users: {}`), to stop managing everyone; or, to forget it on purpose, set "
                        "the stack config `netmera-iac:allowForgetConsent true` for this update.",
                    )
                )
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("resources") != news.get("resources"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("manifest", props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(news)


class StackManifest(Resource, module="netmera", name="StackManifest"):
    """Makes no API calls; exists so that removals are guarded at preview."""

    resources: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        resources: dict[str, dict[str, Any]],
        guard: GuardSettings,
        allow_forget_consent: bool = False,
    ) -> None:
        props = {
            "resources": resources,
            "guard": guard_input(guard),
            "allowForgetConsent": allow_forget_consent,
        }
        super().__init__(StackManifestProvider(), name, props)
