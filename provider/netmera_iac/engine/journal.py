"""The write-ahead journal of in-flight changes: what an apply may have sent if it never reports back.

Pulumi records a resource's new state only when its update returns. If the CLI is killed (or the
machine dies) mid-update, the requests already sent are recorded nowhere, and tags and email/SMS
permission cannot be read back; a later revert would plan from a state that no longer holds. Pulumi's
own trace of the update (a pending operation in the checkpoint) is dropped by the next `pulumi up` or
`pulumi refresh`, so it cannot be the record.

So before the first request of a change a provider writes one entry here: which resource, and every
id the change may touch. When the update succeeds the entry is removed; when it fails part-way, it
stays, marked failed (see `Journal.failed`). An entry found by the next run is
an interrupted or failed change: the program hands its ids to the resource, which sends each of them
again as the desired state now says.

One file per resource, written to a temporary name, flushed to disk and renamed, so a kill leaves
either the old entry or the new one. A new entry for a resource keeps the ids of an entry still
there (a recovery interrupted in its turn loses nothing).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from . import codec

SUFFIX = ".inflight.json"


@dataclass(frozen=True)
class Entry:
    kind: str  # resource type, e.g. TagMembership
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
    folder: Path

    def _path(self, kind: str, name: str) -> Path:
        digest = hashlib.sha256(f"{kind}\0{name}".encode()).hexdigest()[:24]
        return self.folder / f"{digest}{SUFFIX}"

    def begin(self, kind: str, name: str, props: Mapping[str, Any], ids: Iterable[str]) -> None:
        """Record, durably, that `ids` of resource `kind`/`name` are about to be sent."""
        previous = self._read(self._path(kind, name))
        kept = set(codec.decode_ids(previous.ids)) if previous else set()
        self._write(kind, name, props, set(ids) | kept)

    def failed(self, kind: str, name: str, props: Mapping[str, Any], ids: Iterable[str], reason: str) -> None:
        """The change failed part-way. Its outputs record what was applied, but Pulumi keeps the
        resource's previous inputs, and those are what the next preview's `check` plans from. So the
        entry stays, holding every id the change sent (or the lines it recorded), and the next run
        plans each of them again, as the update itself will, and says why."""
        self._write(kind, name, {**props, "failed": reason}, set(ids))

    def _write(self, kind: str, name: str, props: Mapping[str, Any], ids: set[str]) -> None:
        path = self._path(kind, name)
        entry = {
            "kind": kind,
            "name": name,
            "props": dict(props),
            "ids": codec.encode_ids(ids),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8") as out:
            json.dump(entry, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        _sync_folder(self.folder)

    def end(self, kind: str, name: str) -> None:
        """The change returned and the state says what it applied: the entry is no longer needed."""
        with contextlib.suppress(FileNotFoundError):
            self._path(kind, name).unlink()
            _sync_folder(self.folder)

    def entries(self) -> list[Entry]:
        """Changes that started and never reported back (unreadable files are skipped, not fatal:
        an entry is written whole or not at all)."""
        if not self.folder.is_dir():
            return []
        found = [e for p in sorted(self.folder.glob(f"*{SUFFIX}")) if (e := self._read(p))]
        return sorted(found, key=lambda e: (e.kind, e.name))

    @staticmethod
    def _read(path: Path) -> Entry | None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return Entry(
                str(raw["kind"]), str(raw["name"]), dict(raw["props"]), str(raw["ids"]), str(raw["started"])
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _sync_folder(folder: Path) -> None:
    """A rename or unlink is durable once the folder itself is flushed (POSIX)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def journal_folder(backend_url: str, project: str, stack: str, home: Path) -> Path:
    """Where a stack's journal lives. With a file backend, inside the backend folder, beside the
    stack's checkpoints: kept with the stack, wherever the backend folder goes. Otherwise in the
    user's netmera-iac folder, one per backend, project and stack."""
    parsed = urlparse(backend_url)
    if parsed.scheme == "file":
        root = Path(unquote(parsed.netloc + parsed.path)).expanduser()
        return root / ".netmera-iac" / "inflight" / project / stack
    backend = hashlib.sha256(backend_url.encode()).hexdigest()[:16]
    return home / "inflight" / backend / project / stack


def current_backend(env: Mapping[str, str], pulumi_home: Path) -> str:
    """The backend the Pulumi CLI uses: PULUMI_BACKEND_URL, else the one `pulumi login` stored."""
    if env.get("PULUMI_BACKEND_URL"):
        return env["PULUMI_BACKEND_URL"]
    with contextlib.suppress(OSError, ValueError):
        return str(json.loads((pulumi_home / "credentials.json").read_text()).get("current") or "")
    return ""


def ids_of(entries: Iterable[Entry]) -> Iterator[str]:
    for entry in entries:
        yield from codec.decode_ids(entry.ids)
