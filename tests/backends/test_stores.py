"""Every store the journal can live in, against the real thing: a folder, an S3-compatible server
(moto, over HTTP on loopback), Azure Blob's emulator (Azurite) and a PostgreSQL server. The same
contract for each. (Google Cloud Storage: see the README; no emulator here accepts obstore's uploads.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from netmera_iac.backends import open_backend, stack_journal
from netmera_iac.engine import codec
from netmera_iac.engine.errors import BackendError
from netmera_iac.engine.journal import Journal, Store
from tests.servers import PG_PASSWORD, AzureServer, PostgresServer, S3Server


@pytest.fixture(params=["file", "s3", "azure", "postgres"])
def backend_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    if request.param == "file":
        yield (tmp_path / "state").as_uri()
    elif request.param == "s3":
        s3: S3Server = request.getfixturevalue("s3")
        for key, value in s3.env().items():
            monkeypatch.setenv(key, value)
        yield s3.url(s3.bucket(f"b-{uuid.uuid4().hex[:12]}"), "teams/crm")
    elif request.param == "azure":
        azure: AzureServer = request.getfixturevalue("azure")
        for key, value in azure.env().items():
            monkeypatch.setenv(key, value)
        yield azure.url(azure.container(f"c{uuid.uuid4().hex[:12]}"), "teams/crm")
    else:
        postgres: PostgresServer = request.getfixturevalue("postgres")
        yield postgres.url(postgres.database(f"d{uuid.uuid4().hex[:12]}"))


def test_a_store_keeps_whole_values_by_key_and_lists_them_under_a_prefix(backend_url: str) -> None:
    store: Store = open_backend(backend_url).journal
    assert store.get("a/missing") is None
    assert store.keys("a/") == []
    store.put("a/one", b"1")
    store.put("a/two", b"2")
    store.put("a/one", b"one")  # a put replaces the value whole
    store.put("b/three", b"3")
    assert store.get("a/one") == b"one"
    assert store.keys("a/") == ["a/one", "a/two"]
    store.delete("a/one")
    store.delete("a/one")  # a missing key is fine
    assert store.keys("a/") == ["a/two"]
    assert PG_PASSWORD not in store.where


def test_a_journal_on_the_backend_is_read_by_a_new_runner(backend_url: str, tmp_path: Path) -> None:
    """Another machine (another home folder) opens the same stack's journal and finds the entry."""
    first = stack_journal(backend_url, None, tmp_path / "runner-1", "netmera-iac", "prod").journal
    first.begin("TagMembership", "camp", {"tag": "camp"}, ["b", "a"])
    first.begin("TagMembership", "camp", {"tag": "camp"}, ["c"])  # a recovery interrupted again
    second = stack_journal(backend_url, None, tmp_path / "runner-2", "netmera-iac", "prod").journal
    (entry,) = second.entries()
    assert (entry.type, entry.name, codec.decode_ids(entry.ids)) == ("TagMembership", "camp", {"a", "b", "c"})
    assert stack_journal(backend_url, None, tmp_path / "r", "netmera-iac", "staging").journal.entries() == []
    second.probe("t1")
    second.end("TagMembership", "camp")
    assert first.entries() == []
    assert not (tmp_path / "runner-1").exists()  # nothing was kept on the runner


def test_a_damaged_entry_is_an_error_not_an_empty_journal(backend_url: str, tmp_path: Path) -> None:
    journal = stack_journal(backend_url, None, tmp_path / "home", "p", "s").journal
    journal.begin("TagMembership", "camp", {"tag": "camp"}, ["a"])
    (key,) = journal.store.keys(journal.prefix + "/")
    journal.store.put(key, b"{not json")
    with pytest.raises(BackendError, match="unreadable"):
        journal.entries()


def test_an_entry_left_in_the_runner_s_home_by_an_earlier_version_is_finished(
    s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    url = s3.url(s3.bucket(f"b-{uuid.uuid4().hex[:12]}"))
    home = tmp_path / "home"
    old = stack_journal(url, "local", home, "p", "s").journal  # where earlier versions wrote it
    old.begin("TagMembership", "camp", {"tag": "camp"}, ["a"])
    journal = stack_journal(url, None, home, "p", "s").journal
    assert [e.name for e in journal.entries()] == ["camp"]
    journal.begin("TagMembership", "camp", {"tag": "camp"}, ["b"])
    assert codec.decode_ids(journal.entries()[0].ids) == {"a", "b"}
    assert old.entries() != []
    journal.end("TagMembership", "camp")
    assert journal.entries() == [] and old.entries() == []


def test_a_stopped_postgres_fails_reads_and_writes_naming_the_backend_without_its_password(
    tmp_path: Path,
) -> None:
    from tests.servers import postgres_server

    with postgres_server() as server:
        url = server.url(server.database("gone"))
        journal = stack_journal(url, None, tmp_path, "p", "s").journal
        journal.begin("TagMembership", "camp", {}, ["a"])
        server.stop()
        for attempt in (journal.entries, lambda: journal.probe("x")):
            with pytest.raises(BackendError) as caught:
                attempt()
            message = str(caught.value)
            assert f"127.0.0.1:{server.port}/gone" in message and PG_PASSWORD not in message, message
            assert len(message.splitlines()) == 1


def test_an_s3_bucket_that_does_not_exist_fails_writes(
    s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    journal = Journal(open_backend(s3.url("no-such-bucket")).journal, "x")
    with pytest.raises(BackendError, match=r"no-such-bucket.*cannot write"):
        journal.probe("x")
    with pytest.raises(BackendError, match="cannot list"):
        journal.entries()
