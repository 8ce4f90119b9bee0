"""The desired state recorded in each update, and its restoration."""

from __future__ import annotations

from pathlib import Path

import pytest

from netmera_iac.engine.errors import RecordError
from netmera_iac.engine.record import (
    record_desired_state,
    restore_desired_state,
    write_desired_state,
)
from netmera_iac.families import DESIRED_STATE_FILES


def test_round_trip_and_exact_restoration(tmp_path: Path) -> None:
    source = tmp_path / "a"
    source.mkdir()
    (source / "tags.yaml").write_text("memberships: {vip: {members: [ayşe]}}\n")
    (source / "consent.yaml").write_text("push: {}\n")
    (source / "notes.txt").write_text("not desired state")
    recorded = record_desired_state(source, DESIRED_STATE_FILES)
    assert sorted(recorded["__files"]) == ["consent.yaml", "tags.yaml"]
    files = restore_desired_state(recorded, DESIRED_STATE_FILES)
    assert files["tags.yaml"] == "memberships: {vip: {members: [ayşe]}}\n"

    target = tmp_path / "b"
    target.mkdir()
    (target / "categories.yaml").write_text("preferences: []\n")  # not in the recorded version: removed
    (target / "tags.yaml").write_text(files["tags.yaml"])  # already equal: untouched
    assert write_desired_state(target, files, DESIRED_STATE_FILES) == ["categories.yaml", "consent.yaml"]
    assert sorted(p.name for p in target.iterdir()) == ["consent.yaml", "tags.yaml"]


def test_tampered_or_missing_records_are_refused(tmp_path: Path) -> None:
    (tmp_path / "tags.yaml").write_text("memberships: {}\n")
    recorded = record_desired_state(tmp_path, DESIRED_STATE_FILES)
    with pytest.raises(RecordError, match="does not match its digest"):
        restore_desired_state({**recorded, "digest": "0" * 16}, DESIRED_STATE_FILES)
    with pytest.raises(RecordError, match="no desired state recorded"):
        restore_desired_state(None, DESIRED_STATE_FILES)
    with pytest.raises(RecordError, match="unreadable"):
        restore_desired_state({**recorded, "__files": {"tags.yaml": "!!not base64"}}, DESIRED_STATE_FILES)


def test_a_record_of_the_first_format_is_still_restored(tmp_path: Path) -> None:
    """Written by versions before list files: visible `files`, no `lists`."""
    (tmp_path / "tags.yaml").write_text("memberships: {}\n")
    recorded = record_desired_state(tmp_path, DESIRED_STATE_FILES)
    old = {"format": 1, "digest": recorded["digest"], "files": recorded["__files"]}
    assert restore_desired_state(old, DESIRED_STATE_FILES) == {"tags.yaml": "memberships: {}\n"}


def test_list_files_held_by_a_resource_are_recorded_by_reference(tmp_path: Path) -> None:
    from netmera_iac.engine import codec
    from netmera_iac.engine.idfile import ListFile

    (tmp_path / "tags.yaml").write_text("memberships: {vip: {members_file: lists/vip.txt}}\n")
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "vip.txt").write_text("u2\nu1\n")
    (tmp_path / "segment-extra.txt").write_text("# merged with a segment: kept whole\nu9\n")
    held = ListFile("lists/vip.txt", ("u2", "u1"), ("TagMembership", "vip", "members", None))
    whole = ListFile("segment-extra.txt", ("u9",), None)
    recorded = record_desired_state(tmp_path, DESIRED_STATE_FILES, (held, whole))
    assert "u1" not in str(recorded["__lists"]["lists/vip.txt"])  # a reference, not a copy of the ids
    deployment = {
        "resources": [
            {
                "urn": "urn:pulumi:s::netmera-iac::pulumi-python:dynamic/netmera:TagMembership::vip",
                "inputs": codec.collection("members", codec.encode_ids(["u1", "u2"])),
            }
        ]
    }
    files = restore_desired_state(recorded, DESIRED_STATE_FILES, deployment)
    assert files["lists/vip.txt"].splitlines()[1:] == ["u1", "u2"]
    assert files["segment-extra.txt"] == "# merged with a segment: kept whole\nu9\n"

    changed = {**deployment["resources"][0], "inputs": codec.collection("members", codec.encode_ids(["u1"]))}
    with pytest.raises(RecordError, match="do not match the recorded digest"):
        restore_desired_state(recorded, DESIRED_STATE_FILES, {"resources": [changed]})
    with pytest.raises(RecordError, match="not in that version"):
        restore_desired_state(recorded, DESIRED_STATE_FILES, {"resources": []})

    target = tmp_path / "restored"
    assert sorted(write_desired_state(target, files, DESIRED_STATE_FILES)) == [
        "lists/vip.txt",
        "segment-extra.txt",
        "tags.yaml",
    ]
    assert (target / "lists" / "vip.txt").read_text() == files["lists/vip.txt"]
