"""The write-ahead journal: entries survive the process, merge, and go when the change returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from netmera_iac.backends.folder import FolderStore
from netmera_iac.engine import codec
from netmera_iac.engine.errors import BackendError
from netmera_iac.engine.journal import SUFFIX, Journal, current_backend


def journal(folder: Path) -> Journal:
    return Journal(FolderStore(folder), "inflight/p/s")


def test_an_entry_is_read_back_by_another_journal_on_the_same_folder(tmp_path: Path) -> None:
    journal(tmp_path / "j").begin("TagMembership", "camp", {"tag": "camp"}, ["b", "a"])
    (entry,) = journal(tmp_path / "j").entries()
    assert (entry.type, entry.name, entry.props, entry.count) == ("TagMembership", "camp", {"tag": "camp"}, 2)
    assert codec.decode_ids(entry.ids) == {"a", "b"}


def test_a_new_entry_keeps_the_ids_of_one_still_there_and_end_removes_it(tmp_path: Path) -> None:
    one = journal(tmp_path)
    one.begin("TagMembership", "camp", {"tag": "camp"}, ["a", "b"])
    one.begin("TagMembership", "camp", {"tag": "camp"}, ["c"])  # a recovery, interrupted again
    one.begin("TagAssignment", "camp", {"tag": "camp"}, ["z"])  # another resource: its own entry
    entries = {(e.type, e.name): codec.decode_ids(e.ids) for e in one.entries()}
    assert entries == {("TagMembership", "camp"): {"a", "b", "c"}, ("TagAssignment", "camp"): {"z"}}
    one.end("TagMembership", "camp")
    one.end("TagMembership", "camp")  # twice is fine
    assert [(e.type, e.name) for e in one.entries()] == [("TagAssignment", "camp")]
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_damaged_entry_fails_loudly_and_a_missing_folder_has_none(tmp_path: Path) -> None:
    assert journal(tmp_path / "none").entries() == []
    (tmp_path / "inflight" / "p" / "s").mkdir(parents=True)
    (tmp_path / "inflight" / "p" / "s" / f"broken{SUFFIX}").write_text("{not json")
    with pytest.raises(BackendError, match=f"broken{SUFFIX} is unreadable"):
        journal(tmp_path).entries()


def test_an_unreadable_folder_is_an_error_not_an_empty_journal(tmp_path: Path) -> None:
    folder = tmp_path / "inflight" / "p"
    folder.mkdir(parents=True)
    (folder / "s").write_text("a file where the journal's folder should be")
    with pytest.raises(BackendError):
        journal(tmp_path).begin("TagMembership", "camp", {}, ["a"])


def test_the_backend_is_the_environment_s_or_the_one_pulumi_login_stored(tmp_path: Path) -> None:
    assert current_backend({"PULUMI_BACKEND_URL": "file:///x"}, tmp_path) == "file:///x"
    assert current_backend({}, tmp_path) == ""
    (tmp_path / "credentials.json").write_text('{"current": "s3://bucket"}')
    assert current_backend({}, tmp_path) == "s3://bucket"
