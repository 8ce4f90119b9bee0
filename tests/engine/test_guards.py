"""Guards: mass change, empty sets, overlaps."""

from __future__ import annotations

import pytest

from netmera_iac.engine import Claim, GuardSettings, GuardViolation, empty_set, mass_change, overlaps


def test_mass_change_fires_above_30_percent_of_at_least_10() -> None:
    mass_change("vip", managed=10, removed=3, settings=GuardSettings())  # 30 % is allowed
    with pytest.raises(GuardViolation, match=r"remove 4 of 10 managed users \(40%"):
        mass_change("vip", managed=10, removed=4, settings=GuardSettings())
    mass_change("vip", managed=9, removed=9, settings=GuardSettings())  # below the minimum size
    mass_change("vip", managed=10, removed=10, settings=GuardSettings(allow_mass_change=True))


def test_mass_change_message_says_how_to_allow_it() -> None:
    with pytest.raises(GuardViolation) as caught:
        mass_change("CategoryPreferences 'Promotion'", 100, 50, GuardSettings(), verb="opt out")
    assert "opt out 50 of 100" in str(caught.value)
    assert "allow_mass_change: true" in str(caught.value)
    assert "netmera-iac:allowMassChange" in str(caught.value)


def test_empty_set_needs_allow_empty() -> None:
    with pytest.raises(GuardViolation, match="allow_empty"):
        empty_set("tags.yaml: memberships.vip", 0, GuardSettings())
    empty_set("tags.yaml: memberships.vip", 0, GuardSettings(allow_empty=True))


def claim(resource: str, mode: str, *ids: str, kind: str = "tag", key: str = "vip") -> Claim:
    return Claim(resource, kind, key, mode, frozenset(ids))


def test_overlaps_name_both_resources() -> None:
    problems = overlaps(
        [claim("a.yaml: x", "authoritative", "u1"), claim("b.yaml: y", "authoritative", "u2")]
    )
    assert problems == ["tag 'vip' is managed by both a.yaml: x and b.yaml: y"]


def test_same_user_with_and_without_a_tag() -> None:
    problems = overlaps(
        [
            claim("tags.yaml: assignments.vip", "additive", "u1", "u2"),
            claim("tags.yaml: exclusions.vip", "negative", "u2"),
        ]
    )
    assert problems == [
        "tag 'vip': 1 user(s) are listed both by tags.yaml: assignments.vip (additive) and by "
        "tags.yaml: exclusions.vip (negative): u2"
    ]


def test_authoritative_and_additive_on_one_tag() -> None:
    problems = overlaps([claim("m", "authoritative", "u1"), claim("a", "additive", "u9")])
    assert problems == ["tag 'vip' is owned by m and also assigned additively by a; use one or the other"]


def test_disjoint_claims_are_fine() -> None:
    assert (
        overlaps(
            [
                claim("m", "authoritative", "u1"),
                claim("e", "negative", "u2"),
                claim("o", "authoritative", "u1", key="other"),
            ]
        )
        == []
    )
