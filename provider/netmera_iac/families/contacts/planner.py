"""Contact addresses: updateEmail / updateMsisdn for each listed user whose address changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial

from ...client import NetmeraClient
from ...engine.execute import Progress
from ...engine.plan import abbreviate


@dataclass(frozen=True)
class Contact:
    email: str | None = None
    msisdn: str | None = None


@dataclass(frozen=True)
class ContactPlan:
    emails: Mapping[str, str] = field(default_factory=dict)  # ext id -> new address
    msisdns: Mapping[str, str] = field(default_factory=dict)  # ext id -> new number ("" clears it)

    @property
    def empty(self) -> bool:
        return not self.emails and not self.msisdns

    @property
    def calls(self) -> int:
        return len(self.emails) + len(self.msisdns)

    @property
    def users_changed(self) -> int:
        return len(set(self.emails) | set(self.msisdns))

    def summary(self, limit: int = 10) -> str:
        if self.empty:
            return "no changes"
        parts = []
        for name, values in (("updateEmail", self.emails), ("updateMsisdn", self.msisdns)):
            if values:
                items = sorted(values.items())
                shown = abbreviate(
                    items, limit, show=lambda i: f"{i[0]}={i[1] or '(empty: resets SMS permission)'}"
                )
                parts.append(f"{name} {len(items)} user(s): {shown}")
        return "; ".join(parts) + f" ({self.calls} call(s))"


def plan_contacts(desired: Mapping[str, Contact], applied: Mapping[str, Contact]) -> ContactPlan:
    """updateEmail / updateMsisdn for each listed user whose address differs from the last applied one."""
    emails: dict[str, str] = {}
    msisdns: dict[str, str] = {}
    for ext_id, want in desired.items():
        have = applied.get(ext_id, Contact())
        if want.email is not None and want.email != have.email:
            emails[ext_id] = want.email
        if want.msisdn is not None and want.msisdn != have.msisdn:
            msisdns[ext_id] = want.msisdn
    return ContactPlan(emails, msisdns)


def execute_contacts(client: NetmeraClient, plan: ContactPlan) -> int:
    """updateEmail then updateMsisdn, one request per user; returns the number of requests made. On
    failure raises `PartialApplyError` (per operation, the users answered 200 and the unknown ones)."""
    requests = 0
    progress = Progress()
    for name, values, send in (
        ("updateEmail", plan.emails, client.update_email_many),
        ("updateMsisdn", plan.msisdns, client.update_msisdn_many),
    ):
        if values:  # one request per user, in sorted order
            requests += progress.track(name, [[u] for u in sorted(values)], partial(send, values)).requests
    return requests
