"""The desired state recorded in each update, and its restoration."""

from __future__ import annotations

from pathlib import Path

import pytest

from netmera_iac.engine.record import (
    RecordError,
    record_desired_state,
    restore_desired_state,
    write_desired_state,
)


def test_round_trip_and_exact_restoration(tmp_path: Path) -> None:
    source = tmp_path / "a"
    source.mkdir()
    (source / "tags.yaml").write_text("memberships: {vip: {members: [ayşe]}}\n")
    (source / "consent.yaml").write_text("push: {}\n")
    (source / "notes.txt").write_text("not desired state")
    recorded = record_desired_state(source)
    assert sorted(recorded["files"]) == ["consent.yaml", "tags.yaml"]
    files = restore_desired_state(recorded)
    assert files["tags.yaml"] == "memberships: {vip: {members: [ayşe]}}\n"

    target = tmp_path / "b"
    target.mkdir()
    (target / "categories.yaml").write_text("preferences: []\n")  # not in the recorded version: removed
    (target / "tags.yaml").write_text(files["tags.yaml"])  # already equal: untouched
    assert write_desired_state(target, files) == ["categories.yaml", "consent.yaml"]
    assert sorted(p.name for p in target.iterdir()) == ["consent.yaml", "tags.yaml"]


def test_tampered_or_missing_records_are_refused(tmp_path: Path) -> None:
    (tmp_path / "tags.yaml").write_text("memberships: {}\n")
    recorded = record_desired_state(tmp_path)
    with pytest.raises(RecordError, match="does not match its digest"):
        restore_desired_state({**recorded, "digest": "0" * 16})
    with pytest.raises(RecordError, match="no desired state recorded"):
        restore_desired_state(None)
    with pytest.raises(RecordError, match="unreadable"):
        restore_desired_state({**recorded, "files": {"tags.yaml": "!!not base64"}})
