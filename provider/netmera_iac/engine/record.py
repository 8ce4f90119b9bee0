"""The desired state of an update, recorded in the stack itself so a rollback needs no old git commit.

The program exports the stack folder's desired-state files as the `desiredState` stack output; every
checkpoint of the stack's history therefore carries the files it was applied from, and
`pulumi stack export --version N` gives them back. Files are compressed (a 100,000-member tag list is
~1.5 MB of YAML and ~0.3 MB compressed) and carry a digest so previews show one short changed value.

Id list files (`members_file`, …) whose ids one resource holds exactly are recorded as a reference to
that resource (type, name, property, count and digest), not as a second copy of every id: the same
checkpoint holds the resource, and rollback rebuilds the file from it, checked against the digest.
Other list files (e.g. merged with a segment) are recorded whole. A table file (`.csv`, `.parquet`,
engine/tables.py) is rebuilt as a table of its one id column (named as the desired state names it);
its other columns were never part of the desired state.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from . import codec
from .errors import CodecError, RecordError
from .idfile import ListFile, resolve
from .sources import LOCAL
from .tables import DEFAULT_COLUMN, id_table_content, is_table, rows_table_content

FORMAT = 2
READABLE_FORMATS = (1, 2)


def digest(files: Mapping[str, str], lists: Mapping[str, Any] | None = None) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    for path, entry in sorted((lists or {}).items()):
        h.update(path.encode() + b"\0" + repr(sorted(dict(entry).items())).encode() + b"\0")
    return h.hexdigest()[:16]


Content = str | bytes  # a restored file: text, or the bytes of a Parquet table


def _pack(content: Content) -> str:
    data = content.encode() if isinstance(content, str) else content
    return base64.b64encode(zlib.compress(data)).decode()


def _unpack(blob: Any) -> str:
    return _unpack_bytes(blob).decode()


def _unpack_bytes(blob: Any) -> bytes:
    return zlib.decompress(base64.b64decode(blob))


def _binary(path: str) -> bool:
    return is_table(path) and not path.lower().endswith(".csv")


def record_desired_state(
    state_dir: Path,
    names: Sequence[str],
    list_files: tuple[ListFile, ...] = (),
    held: Mapping[tuple[str, str, str], codec.Header] | None = None,
) -> dict[str, Any]:
    """`held`: count and digest of the id sets the resources were given, by (type, name, property),
    so a list file a resource holds whole is not sorted and hashed a second time."""
    files = {
        name: (state_dir / name).read_text(encoding="utf-8") for name in names if (state_dir / name).is_file()
    }
    lists: dict[str, dict[str, Any]] = {}
    for entry in list_files:
        if entry.path in lists:
            continue
        if entry.holder is None and entry.query is not None:  # no resource holds them alone: the ids
            lists[entry.path] = {
                "data": _pack(_list_text(entry.ids, f"{entry.query.key} of {entry.query.document}"))
            }
        elif entry.rows and entry.holder is not None:  # values per id, held whole by one resource
            lists[entry.path] = {"holder": list(entry.holder), "count": len(entry.ids), "rows": True}
        elif entry.holder is None:
            path = resolve(state_dir, entry.path)
            assert path is not None  # the loader only accepts files inside the stack folder
            if _binary(entry.path):
                lists[entry.path] = {"data": _pack(path.read_bytes()), "binary": True}
            else:
                lists[entry.path] = {"data": _pack(path.read_text(encoding="utf-8"))}
        else:
            kind, name, prop, value = entry.holder
            known = (held or {}).get((kind, name, prop)) if value is None else None
            count, ids_digest = (known.count, known.digest) if known else codec.digest_lines(entry.ids)[:2]
            lists[entry.path] = {"holder": list(entry.holder), "count": count, "digest": ids_digest}
            if entry.column is not None:
                lists[entry.path]["column"] = entry.column
        if entry.query is not None:
            lists[entry.path]["query"] = entry.query.recorded()
    packed = {name: _pack(text) for name, text in files.items()}
    # Under `__` keys: previews show only the digest of what changed, not the packed files.
    return {"format": FORMAT, "digest": digest(files, lists), "__files": packed, "__lists": lists}


def restore_desired_state(
    recorded: Any,
    names: Sequence[str],
    deployment: Mapping[str, Any] | None = None,
    replaced: list[str] | None = None,
) -> dict[str, Content]:
    """The files of a recorded desired state, checked against its digest. List files recorded as a
    reference are rebuilt from the resource that holds them in `deployment` (the same version). A
    query is replaced by the file of what it returned; `replaced` gets a line for each, to be shown."""
    if not isinstance(recorded, Mapping) or recorded.get("format") not in READABLE_FORMATS:
        raise RecordError("no desired state recorded in this version (or an unknown format)")
    version = recorded.get("format")
    lists = {str(k): dict(v) for k, v in dict(recorded.get("__lists") or {}).items()}
    try:
        packed = recorded["files"] if version == 1 else recorded["__files"]
        documents = {name: _unpack(blob) for name, blob in dict(packed).items()}
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        raise RecordError(f"the recorded desired state is unreadable: {exc}") from None
    unknown = sorted(set(documents) - set(names))
    if unknown or digest(documents, lists) != recorded.get("digest"):
        raise RecordError("the recorded desired state does not match its digest")
    files: dict[str, Content] = dict(documents)
    for path, entry in lists.items():
        if "data" in entry:
            files[path] = _unpack_bytes(entry["data"]) if entry.get("binary") else _unpack(entry["data"])
        elif entry.get("rows"):
            files[path] = _rebuild_rows(path, entry, deployment)
        else:
            files[path] = _rebuild(path, entry, deployment)
    for path, entry in lists.items():
        query = entry.get("query")
        if isinstance(query, Mapping) and isinstance(files.get(query["file"]), str):
            files[query["file"]] = in_place_of_query(str(files[query["file"]]), query, path)
            if replaced is not None:
                replaced.append(f"{query['file']}: {query['key']} (source {query['source']}) -> {path}")
    return files


def in_place_of_query(text: str, query: Mapping[str, Any], path: str) -> str:
    """The YAML `text` with the entry's query (`members_query: {source, sql}`, matched by key, source and
    SQL) replaced by the file rollback wrote (`members_file: restored/….txt`), the rest of the file as
    written: the version rolled back to is restored as what it returned, not run again today."""
    key = str(query["key"])
    new_key = key.removesuffix("_query") + "_file"
    spans: list[tuple[int, int]] = []

    def walk(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.MappingNode):
                    given = {a.value: b.value for a, b in v.value if isinstance(b, yaml.ScalarNode)}
                    if (given.get("source") or LOCAL) == query["source"] and given.get("sql") == query["sql"]:
                        end = len(text[: v.end_mark.index].rstrip())  # a block value ends before the next key
                        spans.append((k.start_mark.index, end))
                walk(v)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                walk(v)

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root)
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + f"{new_key}: {json.dumps(path)}" + text[end:]
    return text


def _list_text(ids: Sequence[str], what: str) -> str:
    return f"# Restored by `netmera-iac rollback`: the {len(ids)} id(s) the {what} returned.\n" + "".join(
        f"{i}\n" for i in ids
    )


def _rebuild_rows(path: str, entry: Mapping[str, Any], deployment: Mapping[str, Any] | None) -> bytes:
    """A table of the values per id the holder kept (a profile query's rows), as Parquet."""
    kind, name, prop, _, inputs = _held_by(path, entry, deployment)
    try:
        rows = codec.json_map_in(inputs, prop)
    except CodecError as exc:
        raise RecordError(f"{path}: {kind} {name!r} holds an unreadable {prop}: {exc}") from None
    if len(rows) != entry.get("count"):
        raise RecordError(
            f"{path}: {kind} {name!r} holds {len(rows)} rows, not the {entry.get('count')} recorded"
        )
    return rows_table_content(rows)


def _held_by(
    path: str, entry: Mapping[str, Any], deployment: Mapping[str, Any] | None
) -> tuple[str, str, str, str | None, Mapping[str, Any]]:
    """The holder a recorded list names (type, name, property, value) and its inputs in that version."""
    kind, name, prop, value = list(entry["holder"])
    inputs = _resource_inputs(deployment or {}, kind, name)
    if inputs is None:
        raise RecordError(f"{path}: recorded as held by {kind} {name!r}, which is not in that version")
    return kind, name, prop, value, inputs


def _rebuild(path: str, entry: Mapping[str, Any], deployment: Mapping[str, Any] | None) -> Content:
    kind, name, prop, value, inputs = _held_by(path, entry, deployment)
    try:
        if value is None:
            ids = sorted(codec.ids_in(inputs, prop))
        else:
            ids = sorted(k for k, v in codec.str_map_in(inputs, prop).items() if v == value)
    except CodecError as exc:
        raise RecordError(f"{path}: {kind} {name!r} holds an unreadable {prop}: {exc}") from None
    count, ids_digest, _ = codec.digest_lines(ids)
    if (count, ids_digest) != (entry.get("count"), entry.get("digest")):
        raise RecordError(f"{path}: the ids {kind} {name!r} holds do not match the recorded digest")
    if is_table(path):  # the id column alone, in the table's own format
        return id_table_content(path, ids, entry.get("column") or DEFAULT_COLUMN)
    header = f"# Restored by `netmera-iac rollback` from {kind} {name!r}: {count} id(s), one per line.\n"
    return header + "".join(f"{i}\n" for i in ids)


def _resource_inputs(deployment: Mapping[str, Any], kind: str, name: str) -> Mapping[str, Any] | None:
    for resource in deployment.get("resources") or []:
        urn = str(resource.get("urn", ""))
        if urn.endswith(f":{kind}::{name}") and not resource.get("delete"):
            return dict(resource.get("inputs") or {})
    return None


def write_desired_state(state_dir: Path, files: Mapping[str, Content], names: Sequence[str]) -> list[str]:
    """Make `state_dir` hold exactly `files` among the desired-state files (list files are written,
    never removed: other stacks' files may share the folder); returns what changed."""
    state_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for name in names:
        path = state_dir / name
        if name in files:
            if _write(path, files[name]):
                changed.append(name)
        elif path.exists():
            path.unlink()
            changed.append(name)
    for name, text in files.items():
        if name in names:
            continue
        target = resolve(state_dir, name)
        if target is None:
            raise RecordError(f"{name}: a recorded list file outside the stack folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        if _write(target, text):
            changed.append(name)
    return changed


def _write(path: Path, content: Content) -> bool:
    """Write `content` unless the file holds it already; True if it changed."""
    data = content.encode() if isinstance(content, str) else content
    if path.is_file() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True
