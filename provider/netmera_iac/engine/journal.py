"""The write-ahead journal of in-flight changes: what an apply may have sent if it never reports back.

Pulumi records a resource's new state only when its update returns. If the CLI is killed (or the
machine dies) mid-update, the requests already sent are recorded nowhere, and tags and email/SMS
permission cannot be read back; a later revert would plan from a state that no longer holds. Pulumi's
own trace of the update (a pending operation in the checkpoint) is dropped by the next `pulumi up` or
`pulumi refresh`, so it cannot be the record.

So before the first request of a change a provider writes one entry here: which resource, and every
id the change may touch. When the update succeeds the entry is removed; when it fails part-way, it
stays, marked failed (see `Journal.failed`). An entry found by the next run is an interrupted or
failed change: the program hands its ids to the resource, which sends each of them again as the
desired state now says.

The journal protects a stack, so it is kept with the stack: in the stack's own backend (a folder, a
bucket, a database; `netmera_iac.backends`), reached by whichever machine runs next. It needs only a
`Store` of whole values by key; each entry is one value, written whole or not at all and durable
before `begin` returns. A store that cannot be read or written raises `BackendError`: "could not
read" is never taken for "no entries", since that would silently drop a recovery.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from . import codec
from .errors import BackendError

SUFFIX = ".inflight.json"
PREFIX = ".netmera-iac/inflight"  # inside a backend, beside Pulumi's own `.pulumi/`


class Store(Protocol):
    """Whole values by key ('/'-separated, relative), as a backend offers them. Every method raises
    `BackendError` (naming `where`) when the backend cannot answer; a missing key is not an error."""

    @property
    def where(self) -> str: ...  # the backend, shown in messages (no password)

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...  # whole or nothing, durable when it returns

    def delete(self, key: str) -> None: ...  # a missing key is fine

    def keys(self, prefix: str) -> list[str]: ...  # every key under `prefix`, sorted


@dataclass(frozen=True)
class Entry:
    type: (
        str  # the resource's Pulumi type, e.g. TagMembership (stored as `kind`, as earlier versions wrote it)
    )
    name: str  # resource name in the stack
    props: dict[str, Any]  # what the resource needs to be registered again (e.g. its tag)
    ids: str  # encoded id set (engine/codec.py)
    started: str

    @property
    def failure(self) -> str | None:
        """Why the change failed, if it failed (rather than being interrupted)."""
        reason = self.props.get("failed")
        return str(reason) if reason else None

    @property
    def count(self) -> int:
        head = codec.header(self.ids)
        return head.count if head else 0


@dataclass(frozen=True)
class Journal:
    """One stack's journal: the entries under `prefix` in `store`. `earlier` are places an earlier
    version kept this stack's journal (a runner's home folder): their entries are read and finished
    too, and new ones are written to `store` alone."""

    store: Store
    prefix: str
    earlier: Sequence[Journal] = field(default=())

    @property
    def where(self) -> str:
        return f"{self.store.where} ({self._folder})"

    @property
    def _folder(self) -> str:
        """`prefix` as a folder of keys, ending in one '/' however it was given."""
        return self.prefix.rstrip("/") + "/"

    def _key(self, resource_type: str, name: str) -> str:
        digest = hashlib.sha256(f"{resource_type}\0{name}".encode()).hexdigest()[:24]
        return f"{self._folder}{digest}{SUFFIX}"

    def begin(self, resource_type: str, name: str, props: Mapping[str, Any], ids: Iterable[str]) -> None:
        """Record, durably, that `ids` of resource `resource_type`/`name` are about to be sent. An entry still
        there (a recovery interrupted in its turn) keeps its ids."""
        kept: set[str] = set()
        for journal in (self, *self.earlier):
            previous = journal._read(journal._key(resource_type, name))
            if previous:
                kept |= codec.decode_ids(previous.ids)
        self._write(resource_type, name, props, set(ids) | kept)

    def failed(
        self, resource_type: str, name: str, props: Mapping[str, Any], ids: Iterable[str], reason: str
    ) -> None:
        """The change failed part-way. Its outputs record what was applied, but Pulumi keeps the
        resource's previous inputs, and those are what the next preview's `check` plans from. So the
        entry stays, holding every id the change sent (or the lines it recorded), and the next run
        plans each of them again, as the update itself will, and says why."""
        self._write(resource_type, name, {**props, "failed": reason}, set(ids))

    def _write(self, resource_type: str, name: str, props: Mapping[str, Any], ids: set[str]) -> None:
        entry = {
            "kind": resource_type,
            "name": name,
            "props": dict(props),
            "ids": codec.encode_ids(ids),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.store.put(self._key(resource_type, name), json.dumps(entry).encode())

    def end(self, resource_type: str, name: str) -> None:
        """The change returned and the state says what it applied: the entry is no longer needed."""
        for journal in (self, *self.earlier):
            journal.store.delete(journal._key(resource_type, name))

    def entries(self) -> list[Entry]:
        """Changes that started and never reported back, here and in the earlier places."""
        found: dict[tuple[str, str], Entry] = {}
        for journal in (*reversed(self.earlier), self):
            for key in journal.store.keys(journal._folder):
                if key.endswith(SUFFIX):
                    entry = journal._read(key)
                    if entry is not None:
                        found[(entry.type, entry.name)] = entry
        return sorted(found.values(), key=lambda e: (e.type, e.name))

    def probe(self, token: str) -> None:
        """Write and remove one value, so a journal that cannot be written fails an update before
        its first request rather than at some resource's first change."""
        key = f"{self._folder}probe-{token}.tmp"
        self.store.put(key, b"{}")
        self.store.delete(key)

    def _read(self, key: str) -> Entry | None:
        raw_bytes = self.store.get(key)
        if raw_bytes is None:
            return None
        try:
            raw = json.loads(raw_bytes)
            return Entry(
                str(raw["kind"]), str(raw["name"]), dict(raw["props"]), str(raw["ids"]), str(raw["started"])
            )
        except (ValueError, KeyError, TypeError) as exc:
            # Entries are written whole, so this is damage from outside; skipping it would drop a
            # recovery without a word.
            raise BackendError(
                self.store.where,
                f"the journal entry {key} is unreadable ({type(exc).__name__}); "
                "look at it, and remove it once its change is known to be finished",
            ) from None


def current_backend(env: Mapping[str, str], pulumi_home: Path) -> str:
    """The backend the Pulumi CLI uses: PULUMI_BACKEND_URL, else the one `pulumi login` stored."""
    if env.get("PULUMI_BACKEND_URL"):
        return env["PULUMI_BACKEND_URL"]
    try:
        return str(json.loads((pulumi_home / "credentials.json").read_text()).get("current") or "")
    except (OSError, ValueError):
        return ""


def ids_of(entries: Iterable[Entry]) -> Iterator[str]:
    for entry in entries:
        yield from codec.decode_ids(entry.ids)
