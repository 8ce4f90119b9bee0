"""`StackManifest`: removing a whole resource is guarded at preview."""

from __future__ import annotations

from netmera_iac.adapters.guards import guard_input
from netmera_iac.adapters.manifest import StackManifestProvider
from netmera_iac.engine import GuardSettings


def manifest(guard: GuardSettings | None = None, **entries: dict[str, object]) -> dict[str, object]:
    return {"resources": entries, "guard": guard_input(guard or GuardSettings())}


VIP = {"type": "TagMembership", "users": 25, "removesUsers": True, "retainOnDelete": False}


def test_removing_a_membership_that_untags_many_users_fails() -> None:
    failures = StackManifestProvider().check(manifest(vip=VIP), manifest()).failures
    assert len(failures) == 1
    assert "removing vip: this change would remove 25 of 25" in failures[0].reason


def test_removal_is_allowed_when_retained_small_or_allowed() -> None:
    provider = StackManifestProvider()
    assert provider.check(manifest(vip={**VIP, "retainOnDelete": True}), manifest()).failures == []
    assert provider.check(manifest(vip={**VIP, "users": 5}), manifest()).failures == []
    assert provider.check(manifest(vip=VIP), manifest(GuardSettings(allow_mass_change=True))).failures == []
    assert (
        provider.check(manifest(cat={"type": "CategoryPreferences", "users": 99}), manifest()).failures == []
    )


def test_a_consent_list_cannot_be_dropped_with_its_ledger() -> None:
    email = {"type": "EmailConsent", "users": 2, "keepsLedger": True}
    provider = StackManifestProvider()
    failures = provider.check(manifest(**{"EmailConsent:email-users": email}), manifest()).failures
    assert len(failures) == 1
    assert "removing EmailConsent:email-users would forget its consent ledger" in failures[0].reason
    emptied = manifest(**{"EmailConsent:email-users": {**email, "users": 0}})
    assert provider.check(manifest(**{"EmailConsent:email-users": email}), emptied).failures == []
    forget = {**manifest(), "allowForgetConsent": True}
    assert provider.check(manifest(**{"EmailConsent:email-users": email}), forget).failures == []


def test_a_retiring_resource_is_guarded_as_removed_now_and_not_again_when_deleted() -> None:
    provider = StackManifestProvider()
    retiring = {"type": "TagMembership", "users": 0, "removesUsers": True, "retiring": True}
    failures = provider.check(manifest(vip=VIP), manifest(vip=retiring)).failures
    assert [f.reason[:40] for f in failures] == ["removing vip: this change would remove 2"]
    # Recorded with no users, its delete on the next run is no mass change.
    assert provider.check(manifest(vip=retiring), manifest()).failures == []
