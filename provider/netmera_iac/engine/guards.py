"""Guards: the checks that stop a dangerous change at preview, before any request is sent.

Thresholds follow octoDNS's UnsafePlan (shared/reference/iac-anchors.md §1): a change that removes or
opts out more than 30 % of at least 10 managed ids fails unless it is explicitly allowed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .errors import GuardViolation


@dataclass(frozen=True)
class GuardSettings:
    threshold: float = 0.30
    minimum: int = 10
    allow_mass_change: bool = False
    allow_empty: bool = False


def mass_change(
    resource: str, managed: int, removed: int, settings: GuardSettings, verb: str = "remove"
) -> None:
    if settings.allow_mass_change or managed < settings.minimum or managed == 0:
        return
    if removed / managed > settings.threshold:
        raise GuardViolation(
            f"{resource}: this change would {verb} {removed} of {managed} managed users "
            f"({removed / managed:.0%}, above the {settings.threshold:.0%} guard). If that is intended, set "
            "`allow_mass_change: true` on it in the desired state, or the stack config "
            "`netmera-iac:allowMassChange true` for this update."
        )


def empty_set(resource: str, desired: int, settings: GuardSettings) -> None:
    if desired == 0 and not settings.allow_empty:
        raise GuardViolation(
            f"{resource}: the desired set is empty, which would remove every user it manages. "
            "If that is intended, set `allow_empty: true` on it."
        )


@dataclass(frozen=True)
class Claim:
    """A resource's claim on (kind, key): e.g. ("tag", "vip") with the ids it lists and its mode."""

    resource: str  # human name, e.g. "tags.yaml: memberships.vip"
    kind: str
    key: str
    mode: str  # "authoritative" | "additive" | "negative" | "opted_in" | "opted_out"
    ids: Collection[str]  # a set is built only when another claim on the same key needs comparing


def overlaps(claims: Iterable[Claim]) -> list[str]:
    """Two authoritative claims on one key, an authoritative and an additive one on the same key, or
    one id both with and without a tag (or opted in and out) — each reported naming both resources."""
    problems: list[str] = []
    by_key: dict[tuple[str, str], list[Claim]] = defaultdict(list)
    for claim in claims:
        by_key[(claim.kind, claim.key)].append(claim)
    for (kind, key), group in sorted(by_key.items()):
        owners = [c for c in group if c.mode == "authoritative"]
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a in owners and b in owners:
                    problems.append(f"{kind} {key!r} is managed by both {a.resource} and {b.resource}")
                elif (a in owners) != (b in owners) and {a.mode, b.mode} == {"authoritative", "additive"}:
                    problems.append(
                        f"{kind} {key!r} is owned by {(a if a in owners else b).resource} and also assigned "
                        f"additively by {(b if a in owners else a).resource}; use one or the other"
                    )
                positive = {"authoritative", "additive", "opted_in"}
                if (a.mode in positive) != (b.mode in positive):
                    both = sorted(set(a.ids).intersection(b.ids))
                    if both:
                        shown = ", ".join(both[:10]) + (" …" if len(both) > 10 else "")
                        problems.append(
                            f"{kind} {key!r}: {len(both)} user(s) are listed both by {a.resource} ({a.mode}) "
                            f"and by {b.resource} ({b.mode}): {shown}"
                        )
    return problems
