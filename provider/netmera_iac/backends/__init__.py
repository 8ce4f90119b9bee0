"""The stack's backend as netmera-iac reaches it: the folder, bucket or database Pulumi keeps the
stack in, opened from the same URL and credentials, for what netmera-iac keeps with the stack (the
write-ahead journal, engine/journal.py) and for Pulumi's own history (old checkpoints, rollback).

    file://<folder>                      FolderStore, the journal under <folder>/.netmera-iac/
    s3:// gs:// azblob://<bucket>/<path>  ObjectStore (obstore), the journal under <path>/.netmera-iac/
    postgres://…/<database>              RowStore `netmera_iac_journal` beside Pulumi's table

A Pulumi service backend (`https://…`, or no backend at all: Pulumi Cloud) keeps no blobs we can
reach, so its stacks name a place in the stack config `netmera-iac:journal` (a URL of the kinds
above), or `local` to accept a journal on the machine that ran the update, on purpose.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..engine.consent_record import ConsentRecord
from ..engine.errors import BackendError, JournalSettingError
from ..engine.journal import PREFIX, Journal, Store
from .folder import FolderStore
from .url import BackendUrl, shown

JOURNAL_SETTING = "netmera-iac:journal"
LOCAL = "local"
LOCAL_WARNING = (
    "netmera-iac:journal is `local`: the recovery journal of this stack is kept on this machine "
    "({where}); an update interrupted here can only be recovered from here"
)


@dataclass(frozen=True)
class Backend:
    """`pulumi`: Pulumi's blobs (read only); `journal`: where netmera-iac writes, under `prefix`."""

    url: BackendUrl
    pulumi: Store
    journal: Store
    prefix: str  # the journal's key prefix, before `<project>/<stack>/`
    pulumi_prefix: str = ""  # where Pulumi's own keys (`.pulumi/…`) start in `pulumi`


def open_backend(raw: str, env: Mapping[str, str] | None = None) -> Backend:
    """The self-managed backend at `raw`; BackendError for a URL of another kind."""
    env = os.environ if env is None else env
    url = BackendUrl.parse(raw)
    if url.scheme == "file":
        parts = urlsplit(url.raw)
        root = Path(unquote(parts.netloc + parts.path)).expanduser()
        store = FolderStore(root, url.named)
        return Backend(url, store, store, PREFIX)
    if url.scheme in ("s3", "gs", "azblob"):
        from .objects import open_bucket  # obstore and boto3 load only for these backends

        bucket = open_bucket(url, env)
        return Backend(url, bucket, bucket, PREFIX)
    if url.scheme in ("postgres", "postgresql"):
        from . import postgres

        conninfo, table = postgres.connection_of(url.raw)
        prefix = PREFIX if table == postgres.PULUMI_TABLE else f"{table}/{PREFIX}"
        # Pulumi's keys in its table start with the database's name (`crm/.pulumi/stacks/…`).
        pulumi_table = postgres.PulumiTable(conninfo, url.named, table)
        return Backend(url, pulumi_table, postgres.RowStore(conninfo, url.named), prefix, f"{url.path}/")
    raise BackendError(
        url.named, f"netmera-iac cannot keep records in a {url.scheme or 'Pulumi Cloud'} backend"
    )


@dataclass(frozen=True)
class StackJournal:
    journal: Journal
    warning: str | None  # to be shown on every run (a journal narrower than the stack)
    consent: ConsentRecord  # the stack's consent record, in the same place (engine/consent_record.py)


def _record_prefix(journal_prefix: str) -> str:
    """`…/inflight/<…>/<project>/<stack>` -> `…/consent/<…>/<project>/<stack>`: beside the journal."""
    head, _, tail = journal_prefix.partition("inflight/")
    return f"{head}consent/{tail}"


def _with_record(journal: Journal, warning: str | None) -> StackJournal:
    return StackJournal(journal, warning, ConsentRecord(journal.store, _record_prefix(journal.prefix)))


def stack_journal(
    backend_url: str, setting: str | None, home: Path, project: str, stack: str
) -> StackJournal:
    """The journal of `project`/`stack` on `backend_url` (the CLI's), given `netmera-iac:journal`.

    With a self-managed backend and no setting: in the backend. Earlier versions kept the journal of a
    stack on a bucket or database in the runner's home folder; entries left there are still read, and
    finished, on the machine that has them."""
    backend = BackendUrl.parse(backend_url)
    per_machine = Journal(FolderStore(home, str(home)), f"inflight/{_digest(backend_url)}/{project}/{stack}")
    setting = (setting or "").strip() or None
    if setting == LOCAL:
        return _with_record(per_machine, LOCAL_WARNING.format(where=per_machine.where))
    if setting is None and not backend.self_managed:
        raise JournalSettingError(
            backend.named,
            "a Pulumi service keeps no files netmera-iac can reach, so this stack has no place for "
            "its recovery journal. Name one of yours: `pulumi config set netmera-iac:journal "
            "s3://<bucket>?region=<region>` (or gs://, azblob://, postgres://), or `local` to keep "
            "it on the machine that runs `pulumi up`",
        )
    if setting is not None and not BackendUrl.parse(setting).self_managed:
        raise JournalSettingError(
            shown(setting),
            f"{JOURNAL_SETTING} must be `local` or a file://, s3://, gs://, azblob:// or postgres:// URL",
        )
    target = open_backend(setting or backend_url)
    earlier = (per_machine,) if backend.scheme != "file" and (home / per_machine.prefix).is_dir() else ()
    return _with_record(Journal(target.journal, f"{target.prefix}/{project}/{stack}", earlier), None)


def _digest(backend_url: str) -> str:
    return hashlib.sha256(backend_url.encode()).hexdigest()[:16]


__all__ = ["JOURNAL_SETTING", "LOCAL", "Backend", "StackJournal", "open_backend", "shown", "stack_journal"]
