"""Backend URLs: which journal a stack gets, how a URL is shown, and how each kind is configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from netmera_iac.backends import open_backend, shown, stack_journal
from netmera_iac.backends.folder import FolderStore
from netmera_iac.backends.objects import azure_store, gcs_store
from netmera_iac.backends.postgres import connection_of
from netmera_iac.backends.url import BackendUrl
from netmera_iac.engine.errors import BackendError, JournalSettingError


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://pulumi:s3cr%40t@db:5432/state?sslmode=require", "postgres://pulumi:****@db:5432/state?sslmode=require"),
        ("postgres://db/state?user=u&password=hunter2", "postgres://db/state?user=u&password=****"),
        ("s3://bucket?region=eu-west-1&endpoint=minio:9000", "s3://bucket?region=eu-west-1&endpoint=minio:9000"),
        ("azblob://c?sig=abc&storage_account=a", "azblob://c?sig=****&storage_account=a"),
        ("https://user@api.pulumi.com", "https://user@api.pulumi.com"),
    ],
)  # fmt: skip
def test_a_url_is_shown_without_its_secrets(url: str, expected: str) -> None:
    assert shown(url) == expected


def test_a_file_backend_keeps_the_journal_beside_its_checkpoints(tmp_path: Path) -> None:
    opened = stack_journal((tmp_path / "state").as_uri(), None, tmp_path / "home", "netmera-iac", "prod")
    assert opened.warning is None
    assert isinstance(opened.journal.store, FolderStore)
    assert opened.journal.store.root / opened.journal.prefix == (
        tmp_path / "state" / ".netmera-iac" / "inflight" / "netmera-iac" / "prod"
    )


@pytest.mark.parametrize("backend", ["https://api.pulumi.com", "", "https://pulumi.example.org/"])
def test_a_service_backend_needs_a_journal_setting(tmp_path: Path, backend: str) -> None:
    with pytest.raises(JournalSettingError) as caught:
        stack_journal(backend, None, tmp_path, "p", "s")
    message = str(caught.value)
    assert "pulumi config set netmera-iac:journal" in message and "`local`" in message
    assert len(message.splitlines()) == 1


def test_local_is_accepted_on_purpose_with_a_warning(tmp_path: Path) -> None:
    opened = stack_journal("https://api.pulumi.com", "local", tmp_path / "home", "p", "s")
    assert opened.warning and "kept on this machine" in opened.warning
    opened.journal.begin("TagMembership", "camp", {}, ["a"])
    assert [e.name for e in opened.journal.entries()] == ["camp"]
    assert str(tmp_path / "home") in opened.journal.where


def test_a_journal_setting_names_another_backend(tmp_path: Path) -> None:
    elsewhere = (tmp_path / "records").as_uri()
    opened = stack_journal("https://api.pulumi.com", elsewhere, tmp_path / "home", "p", "s")
    opened.journal.begin("TagMembership", "camp", {}, ["a"])
    assert list((tmp_path / "records" / ".netmera-iac" / "inflight" / "p" / "s").iterdir())


@pytest.mark.parametrize("setting", ["https://api.pulumi.com", "ftp://x", "locale"])
def test_a_journal_setting_that_is_no_backend_is_refused(tmp_path: Path, setting: str) -> None:
    with pytest.raises(JournalSettingError, match="must be `local` or a file://"):
        stack_journal("https://api.pulumi.com", setting, tmp_path, "p", "s")


def test_an_unknown_s3_parameter_is_refused_like_pulumi_does() -> None:
    with pytest.raises(BackendError, match="unknown URL parameter 'endpiont'"):
        open_backend("s3://bucket?endpiont=x")
    with pytest.raises(BackendError, match="assume the role before running"):
        open_backend("s3://bucket?role=arn:aws:iam::1:role/x")


def test_s3_without_any_credentials_says_where_they_come_from(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(BackendError, match="no AWS credentials"):
        open_backend("s3://bucket?region=eu-west-1")


def test_an_unknown_aws_profile_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(BackendError, match=r"cannot open the bucket: .*nobody"):
        open_backend("s3://bucket?profile=nobody")


def test_postgres_drops_pulumi_s_table_parameter_from_the_connection() -> None:
    assert connection_of("postgres://u@h:5/db?sslmode=disable&table=team_state") == (
        "postgresql://u@h:5/db?sslmode=disable",
        "team_state",
    )
    assert connection_of("postgres://u@h/db")[1] == "pulumi_state"
    default = open_backend("postgres://u@h/db")
    custom = open_backend("postgres://u@h/db?table=team_state")
    assert default.prefix != custom.prefix  # two Pulumi backends in one database keep apart


def test_azure_follows_gocloud_s_url_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"AZURE_STORAGE_ACCOUNT": "acct", "AZURE_STORAGE_KEY": "a2V5"}
    store = azure_store(BackendUrl.parse("azblob://state/team?localemu=true&domain=127.0.0.1:10000"), env)
    config = store.config
    assert config.get("account_name") == "acct"
    assert config.get("endpoint") == "http://127.0.0.1:10000/acct"
    assert store.prefix == "team"


def test_gcs_uses_the_emulator_host_and_the_credentials_file() -> None:
    env = {"STORAGE_EMULATOR_HOST": "127.0.0.1:4443"}
    store = gcs_store(BackendUrl.parse("gs://state/team"), env)
    assert store.config.get("base_url") == "http://127.0.0.1:4443"
    with pytest.raises(BackendError, match="unknown URL parameter"):
        gcs_store(BackendUrl.parse("gs://state?region=x"), env)
