"""A sampled refresh reads N users of a resource, at random, and all of them when unset."""

from __future__ import annotations

import pytest

from netmera_iac.adapters.sampling import SAMPLE_SETTING, read_sample, sample_size


def test_unset_or_unusable_settings_read_everyone(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = {f"u{n}" for n in range(10)}
    for raw in ("", "0", "-3", "many"):
        monkeypatch.setenv(SAMPLE_SETTING, raw)
        assert sample_size() is None and read_sample(ids) == sorted(ids)
    monkeypatch.delenv(SAMPLE_SETTING)
    assert read_sample(ids) == sorted(ids)


def test_a_sample_is_n_distinct_listed_ids_and_varies_between_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = {f"u{n:03d}" for n in range(500)}
    monkeypatch.setenv(SAMPLE_SETTING, "7")
    samples = [read_sample(ids) for _ in range(5)]
    assert all(len(s) == 7 and len(set(s)) == 7 and set(s) <= ids and s == sorted(s) for s in samples)
    assert len({tuple(s) for s in samples}) > 1  # nightly checks look at other users
    monkeypatch.setenv(SAMPLE_SETTING, "900")
    assert read_sample(ids) == sorted(ids)
