"""The write-ahead journal: entries survive the process, merge, and go when the change returns."""

from __future__ import annotations

from pathlib import Path

from netmera_iac.engine import codec
from netmera_iac.engine.journal import SUFFIX, Journal, current_backend, journal_folder


def test_an_entry_is_read_back_by_another_journal_on_the_same_folder(tmp_path: Path) -> None:
    Journal(tmp_path / "j").begin("TagMembership", "camp", {"tag": "camp"}, ["b", "a"])
    (entry,) = Journal(tmp_path / "j").entries()
    assert (entry.kind, entry.name, entry.props, entry.count) == ("TagMembership", "camp", {"tag": "camp"}, 2)
    assert codec.decode_ids(entry.ids) == {"a", "b"}


def test_a_new_entry_keeps_the_ids_of_one_still_there_and_end_removes_it(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.begin("TagMembership", "camp", {"tag": "camp"}, ["a", "b"])
    journal.begin("TagMembership", "camp", {"tag": "camp"}, ["c"])  # a recovery, interrupted again
    journal.begin("TagAssignment", "camp", {"tag": "camp"}, ["z"])  # another resource: its own entry
    entries = {(e.kind, e.name): codec.decode_ids(e.ids) for e in journal.entries()}
    assert entries == {("TagMembership", "camp"): {"a", "b", "c"}, ("TagAssignment", "camp"): {"z"}}
    journal.end("TagMembership", "camp")
    journal.end("TagMembership", "camp")  # twice is fine
    assert [(e.kind, e.name) for e in journal.entries()] == [("TagAssignment", "camp")]
    assert not list(tmp_path.glob("*.tmp"))


def test_an_unreadable_entry_is_skipped_and_a_missing_folder_has_none(tmp_path: Path) -> None:
    assert Journal(tmp_path / "none").entries() == []
    (tmp_path / f"broken{SUFFIX}").write_text("{not json")
    assert Journal(tmp_path).entries() == []


def test_a_file_backend_keeps_the_journal_beside_its_checkpoints(tmp_path: Path) -> None:
    backend = (tmp_path / "state").as_uri()
    folder = journal_folder(backend, "netmera-iac", "prod", tmp_path / "home")
    assert folder == tmp_path / "state" / ".netmera-iac" / "inflight" / "netmera-iac" / "prod"
    cloud = journal_folder("https://api.pulumi.com", "netmera-iac", "prod", tmp_path / "home")
    assert cloud.parent.parent.parent == tmp_path / "home" / "inflight"
    assert cloud != journal_folder("s3://bucket", "netmera-iac", "prod", tmp_path / "home")


def test_the_backend_is_the_environment_s_or_the_one_pulumi_login_stored(tmp_path: Path) -> None:
    assert current_backend({"PULUMI_BACKEND_URL": "file:///x"}, tmp_path) == "file:///x"
    assert current_backend({}, tmp_path) == ""
    (tmp_path / "credentials.json").write_text('{"current": "s3://bucket"}')
    assert current_backend({}, tmp_path) == "s3://bucket"
