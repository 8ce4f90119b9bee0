"""Per-user collections as one compact value each: how a million ids cross Pulumi in seconds.

Pulumi's engine, its Python SDK and the policy analyzer handle every key of a property map on every
preview and update; a tag of 1,000,000 users as a map keyed by id costs minutes and gigabytes. So every
per-user collection (tag members, preference maps, consent ledgers, profile values, contacts, erasure
lists) travels as ONE string:

    nmc1:<count>:<sha256 of the canonical text>:<base64 of the zlib-compressed canonical text>

The canonical text is the collection's lines (an id, or `key<TAB>value`), sorted by code point, joined
by newlines and UTF-8 encoded, so the same collection gives the same value on every run and machine,
and comparing two collections is comparing their digests. Providers keep the value under a `__` key,
which Pulumi stores but never prints in a preview or diff, beside a short visible summary (count and
digest). This module has no Pulumi import: the engine, the providers, the workflow's summary and the
policy pack all read collections through it.

Values written before this format (maps keyed by external id under the visible key) are still read, so
a stack applied by an older version upgrades in place.

A resource's outputs keep a collection its inputs already hold as a *reference*, the same head
without the body (`nmc1:<count>:<sha256>`): at a million profiles the collection is 39 MB, and the
engine sends the outputs and the inputs together in every Diff, Update and Delete, so a copy in each
was a third of every request and half the resource's state. The provider host puts the inputs' value
back in place of the reference before a provider sees it (adapters/lean.py); readers of an exported
state do the same (`resolved`). A reference reaching a decoder unresolved raises.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import CodecError

FORMAT = "nmc1"
# Level 1: 1,000,000 ids of 32 hex characters (33 MB) compressed in 0.93 s to 18.6 MB; level 6 took
# 2.5 s for 18.1 MB (measured once, by hand, while writing this module).
_LEVEL = 1
_FORBIDDEN = frozenset("\n\r\t")
DIGEST_SHOWN = 12


@dataclass(frozen=True)
class Header:
    count: int
    digest: str

    def summary(self, noun: str = "entries") -> str:
        return f"{self.count} {noun} · sha256:{self.digest[:DIGEST_SHOWN]}"


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key or _FORBIDDEN.intersection(key):
        raise CodecError(f"cannot encode {key!r}: ids must be non-empty strings without tabs or line breaks")


def digest_lines(lines: Iterable[str], unique: bool = False) -> tuple[int, str, bytes]:
    """(count, digest, canonical bytes) of `lines`: sorted, unique. Sorting first and dropping
    neighbours after keeps an already sorted list (a sorted list file) at linear cost; `unique`
    lines (a map's, one per key) skip the dropping."""
    ordered = sorted(lines)
    if len(ordered) > 1 and not unique and not isinstance(lines, (set, frozenset, dict)):
        ordered = list(dict.fromkeys(ordered))
    text = "\n".join(ordered).encode("utf-8")
    return len(ordered), hashlib.sha256(text).hexdigest(), text


def encode_lines(lines: Iterable[str], unique: bool = False) -> str:
    return _pack(*digest_lines(lines, unique))


def _pack(count: int, digest: str, text: bytes) -> str:
    return f"{FORMAT}:{count}:{digest}:{base64.b64encode(zlib.compress(text, _LEVEL)).decode('ascii')}"


def header(value: Any) -> Header | None:
    """The count and digest of an encoded value or of a reference to one, without decoding it; None
    if it is neither."""
    if not isinstance(value, str) or not value.startswith(FORMAT + ":"):
        return None
    # Split the head only: splitting the whole value would copy the data (tens of MB) on every look.
    parts = value[: len(FORMAT) + 100].split(":", 3)
    if len(parts) not in (3, 4) or not parts[1].isdigit() or len(parts[2]) != 64:
        return None
    return Header(int(parts[1]), parts[2])


def reference(value: str) -> str:
    """The reference to encoded value `value`: its head without the body."""
    head = _required_header(value)
    return f"{FORMAT}:{head.count}:{head.digest}"


def is_reference(value: Any) -> bool:
    """Whether `value` is a reference; reads its head only (a collection's value is tens of MB)."""
    if not isinstance(value, str) or value.count(":", 0, len(FORMAT) + 100) != 2:
        return False
    return header(value) is not None


def _required_header(value: str) -> Header:
    head = header(value)
    if head is None:
        raise CodecError(f"not an encoded collection (expected {FORMAT}:…): {value[:40]!r}")
    if is_reference(value):
        raise CodecError(
            f"the collection {head.summary()} is kept by reference to the resource's inputs and "
            "reached a decoder unresolved: the request or state it came from does not hold those inputs"
        )
    return head


def resolved(outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """`outputs` (of an exported state) with each reference replaced by the collection of `inputs`
    it names; one the inputs do not hold the same stays, and raises when decoded."""
    whole = dict(outputs)
    for key, value in outputs.items():
        held = inputs.get(key)
        if is_reference(value) and not is_reference(held) and header(held) == header(value):
            whole[key] = held
    return whole


def decode_lines(value: str) -> list[str]:
    """The sorted lines of an encoded value, checked against its count and digest."""
    head = _required_header(value)
    try:
        text = zlib.decompress(base64.b64decode(value.split(":", 3)[3], validate=True))
    except (binascii.Error, zlib.error) as exc:
        raise CodecError(f"corrupted encoded collection: {exc}") from None
    if hashlib.sha256(text).hexdigest() != head.digest:
        raise CodecError("corrupted encoded collection: the digest does not match")
    lines = text.decode("utf-8").split("\n") if text else []
    if len(lines) != head.count:
        raise CodecError(f"corrupted encoded collection: {len(lines)} lines, header says {head.count}")
    return lines


def encode_ids(ids: Iterable[str]) -> str:
    if not isinstance(ids, (list, tuple, set, frozenset)):
        ids = list(ids)
    count, digest, text = digest_lines(ids)
    # Checked on the joined text (C speed); the culprit is looked for only when something is wrong:
    # an empty id sorts first, a line break adds lines, a tab or carriage return shows in the text.
    if count and (
        text.count(b"\n") != count - 1 or b"\t" in text or b"\r" in text or text.startswith(b"\n") or not text
    ):
        for ext_id in sorted(set(ids)):
            _check_key(ext_id)
    return _pack(count, digest, text)


def decode_ids(value: str) -> frozenset[str]:
    return frozenset(decode_lines(value))


_CHUNK = 1 << 18  # base64 characters per step of a streamed decode (a multiple of 4): ~4 MB of lines held


def _stream_chunks(value: str) -> Iterator[list[bytes]]:
    """The sorted lines of an encoded value as UTF-8 bytes, a chunk at a time, without ever holding
    the whole collection: a million ids are never a million objects at once. The digest and count
    are checked at the end (a corrupted value raises before a caller can use what it read)."""
    head = _required_header(value)
    start = len(FORMAT) + len(str(head.count)) + len(head.digest) + 3
    inflate, sha, rest, seen = zlib.decompressobj(), hashlib.sha256(), b"", 0
    try:
        for i in range(start, len(value), _CHUNK):
            text = inflate.decompress(base64.b64decode(value[i : i + _CHUNK], validate=True))
            sha.update(text)
            lines = (rest + text).split(b"\n")
            rest = lines.pop()
            seen += len(lines)
            yield lines
        text = inflate.flush()
    except (binascii.Error, zlib.error) as exc:
        raise CodecError(f"corrupted encoded collection: {exc}") from None
    sha.update(text)
    lines = (rest + text).split(b"\n") if head.count else []
    seen += len(lines)
    yield lines
    if sha.hexdigest() != head.digest or seen != head.count:
        raise CodecError("corrupted encoded collection: the digest or count does not match")


def _stream_ids(value: str | None) -> Iterator[bytes]:
    if value is None:
        return
    for chunk in _stream_chunks(value):
        yield from chunk


def diff_ids(old: str | None, new: str | None) -> tuple[list[str], list[str]]:
    """(ids only in `new`, ids only in `old`), each sorted, by one merge of the two sorted streams:
    memory grows with the difference, not with the collections (a 1 % change of a million ids holds
    ten thousand ids, not two million)."""
    added: list[str] = []
    removed: list[str] = []
    a, b = _stream_ids(old), _stream_ids(new)
    x, y = next(a, None), next(b, None)
    while x is not None and y is not None:
        if x == y:
            x, y = next(a, None), next(b, None)
        elif x < y:  # UTF-8 bytes sort as their code points do
            removed.append(x.decode())
            x = next(a, None)
        else:
            added.append(y.decode())
            y = next(b, None)
    while x is not None:
        removed.append(x.decode())
        x = next(a, None)
    while y is not None:
        added.append(y.decode())
        y = next(b, None)
    return added, removed


@dataclass(frozen=True)
class MapDiff:
    """What changed between two encoded maps: `changed` holds every key that is new or has another
    value (key -> (old value or None, new value)), `removed` every key only in the old map, and
    `same` the unchanged values of the keys a caller asked about (`diff_str_maps`' `among`)."""

    changed: dict[str, tuple[str | None, str]]
    removed: dict[str, str]
    same: dict[str, str] = field(default_factory=dict)


def entries(value: str | None) -> Iterator[tuple[bytes, bytes]]:
    """(key with its tab, value) of each line of an encoded map, streamed: comparing keys with the
    tab kept orders them exactly as the lines are sorted, whatever characters below the tab a key
    holds, so two maps can be merged line by line."""
    for line in _stream_ids(value):
        cut = line.find(b"\t") + 1
        if not cut:
            raise CodecError(f"corrupted encoded map: a line without a value ({line[:40]!r})")
        yield line[:cut], line[cut:]


def _key_of(line: bytes) -> bytes:
    cut = line.find(b"\t") + 1
    if not cut:
        raise CodecError(f"corrupted encoded map: a line without a value ({line[:40]!r})")
    return line[:cut]


def _through(lines: list[bytes], key: bytes) -> int:
    """How many of the sorted `lines` have a key up to `key` (with its tab): a line of a smaller key
    sorts before it, one of a larger key after every line of it."""
    at = bisect.bisect_left(lines, key)
    return at + 1 if at < len(lines) and lines[at].startswith(key) else at


class _Lines:
    """The sorted lines of an encoded map, taken a key range at a time."""

    def __init__(self, value: str | None) -> None:
        self._chunks = _stream_chunks(value) if value is not None else iter(())
        self.buffer: list[bytes] = []
        self.done = False

    def fill(self) -> None:
        while not self.buffer and not self.done:
            chunk = next(self._chunks, None)
            if chunk is None:
                self.done = True
            else:
                self.buffer = chunk

    def last_key(self) -> bytes | None:
        return _key_of(self.buffer[-1]) if self.buffer else None

    def take(self, key: bytes | None) -> list[bytes]:
        """The buffered lines with keys up to `key` (None: all of them)."""
        cut = len(self.buffer) if key is None else _through(self.buffer, key)
        taken, self.buffer = self.buffer[:cut], self.buffer[cut:]
        return taken


def diff_str_maps(old: str | None, new: str | None, among: Iterable[str] = ()) -> MapDiff:
    """The difference of two encoded `key<TAB>value` maps, streamed a key range at a time: memory
    grows with the difference, not with the maps (as `diff_ids` does for id sets), and the lines of a
    range are compared as sets (C speed), so only the lines that differ are parsed. The same pass
    gives the unchanged values of the keys `among` (a few, asked about by the caller)."""
    changed: dict[str, tuple[str | None, str]] = {}
    removed: dict[str, str] = {}
    same: dict[str, str] = {}
    asked = sorted(k.encode() + b"\t" for k in among)
    a, b = _Lines(old), _Lines(new)
    while True:
        a.fill()
        b.fill()
        if not a.buffer and not b.buffer:
            break
        # The range both sides hold whole: up to the smaller last key of a side that has more to come.
        ends = [side.last_key() for side in (a, b) if not side.done]
        bound = min((k for k in ends if k is not None), default=None)
        olds, news = a.take(bound), b.take(bound)
        only_old, only_new = set(olds).difference(news), set(news).difference(olds)
        gone = {_key_of(line): line for line in sorted(only_old)}
        for line in sorted(only_new):
            key = _key_of(line)
            before = gone.pop(key, None)
            changed[key[:-1].decode()] = (
                None if before is None else before[len(key) :].decode(),
                line[len(key) :].decode(),
            )
        for key, line in gone.items():
            removed[key[:-1].decode()] = line[len(key) :].decode()
        if asked and news:
            last = _key_of(news[-1])
            for key in asked[bisect.bisect_left(asked, _key_of(news[0])) : _through(asked, last)]:
                at = bisect.bisect_left(news, key)
                if at < len(news) and news[at].startswith(key) and news[at] not in only_new:
                    same[key[:-1].decode()] = news[at][len(key) :].decode()
    return MapDiff(changed, removed, same)


def patched_entries(
    value: str | Iterable[tuple[bytes, bytes]] | None, updates: Mapping[str, str]
) -> Iterator[tuple[bytes, bytes]]:
    """The entries of encoded map `value` (or of entries already streamed in line order) with
    `updates` put over them (replacing or adding keys), in line order, streamed: a few updates over a
    million lines hold the updates only."""
    pending = sorted((k.encode() + b"\t", v.encode()) for k, v in updates.items())
    i = 0
    for entry in entries(value) if value is None or isinstance(value, str) else value:
        while i < len(pending) and pending[i][0] < entry[0]:
            yield pending[i]
            i += 1
        if i < len(pending) and pending[i][0] == entry[0]:
            yield pending[i]
            i += 1
        else:
            yield entry
    yield from pending[i:]


def _encode_chunks(chunks: Iterable[list[bytes]]) -> str:
    """Encode sorted lines given a chunk at a time, compressing as they come, so the whole canonical
    text is never held (only its compressed form)."""
    deflate, sha, count, parts = zlib.compressobj(_LEVEL), hashlib.sha256(), 0, []
    for lines in chunks:
        if not lines:
            continue
        text = b"\n".join(lines)
        if count:
            text = b"\n" + text
        count += len(lines)
        sha.update(text)
        parts.append(deflate.compress(text))
    parts.append(deflate.flush())
    return f"{FORMAT}:{count}:{sha.hexdigest()}:{base64.b64encode(b''.join(parts)).decode('ascii')}"


def encode_entries(items: Iterable[tuple[bytes, bytes]]) -> str:
    """Encode `(key with its tab, value)` entries given in line order, compressing as they come."""

    def chunks() -> Iterator[list[bytes]]:
        batch: list[bytes] = []
        for key, value in items:
            batch.append(key + value)
            if len(batch) >= 65536:
                yield batch
                batch = []
        yield batch

    return _encode_chunks(chunks())


def _patched_chunks(value: str, pending: list[bytes]) -> Iterator[list[bytes]]:
    """The chunks of encoded map `value` with the sorted `key<TAB>value` lines `pending` put over
    them: each goes by binary search to its key's line (replaced) or place (inserted), so the lines
    between them are never split or compared one by one in Python."""
    keys = [line[: line.index(b"\t") + 1] for line in pending]
    i = 0
    for lines in _stream_chunks(value):
        at = 0
        while i < len(pending) and lines and keys[i] <= lines[-1]:  # its key's line is no further
            line, key = pending[i], keys[i]
            at = bisect.bisect_left(lines, key, at)
            if at < len(lines) and lines[at].startswith(key):
                lines[at] = line
            else:
                lines.insert(at, line)
            at += 1
            i += 1
        yield lines
    yield pending[i:]


def patch_str_map(value: str | None, updates: Mapping[str, str]) -> str:
    """Encoded map `value` with `updates` over it, the same value `encode_str_map` of the patched
    dict gives, streamed: a few thousand updates of a million lines cost a search each."""
    for key, line in updates.items():
        _check_key(key)
        if "\n" in line or "\r" in line:
            raise CodecError(f"cannot encode the value of {key!r}: it holds a line break")
    pending = sorted(f"{k}\t{v}".encode() for k, v in updates.items())
    if value is None:
        return _encode_chunks([pending])
    return _encode_chunks(_patched_chunks(value, pending))


def str_map_diff_in(olds: Mapping[str, Any], news: Mapping[str, Any], name: str) -> MapDiff:
    """The difference of map `name` between two resources' properties: streamed when both are
    encoded, through whole maps when either was written before this format."""
    old, new = olds.get(hidden(name)), news.get(hidden(name))
    if (old is None or isinstance(old, str)) and isinstance(new, str) and not is_legacy(olds, name):
        if same_collection(olds, news, name):
            return MapDiff({}, {})  # the same digest: nothing to stream
        return diff_str_maps(old, new)
    was, now = str_map_in(olds, name), str_map_in(news, name)
    return MapDiff(
        {k: (was.get(k), v) for k, v in now.items() if was.get(k) != v},
        {k: v for k, v in was.items() if k not in now},
    )


def values_among(props: Mapping[str, Any], name: str, candidates: Iterable[str]) -> dict[str, str]:
    """The values map `name` holds for a few `candidates`, by one streamed pass (no map of it all)."""
    wanted = {c.encode() + b"\t" for c in candidates}
    if not wanted:
        return {}
    value = props.get(hidden(name))
    if not isinstance(value, str):
        whole = str_map_in(props, name)
        return {k: whole[k] for k in (w[:-1].decode() for w in wanted) if k in whole}
    return {k[:-1].decode(): v.decode() for k, v in entries(value) if k in wanted}


def first_keys(props: Mapping[str, Any], name: str, count: int) -> list[str]:
    """The `count` smallest keys of map `name`, reading only as far as they go."""
    value = props.get(hidden(name))
    if not isinstance(value, str):
        return sorted(str_map_in(props, name))[:count]
    keys: list[str] = []
    for chunk in _stream_chunks(value):
        keys += [line.partition(b"\t")[0].decode() for line in chunk[: count - len(keys)]]
        if len(keys) >= count:
            break
    return keys


def encode_str_map(mapping: Mapping[str, str]) -> str:
    """`key<TAB>value` lines; values are short tokens (opted_in, ledger lines) without line breaks.

    The keys and the values are checked joined (C speed, as `encode_ids` does); the culprit is
    looked for only when something is wrong."""
    keys, values = "\n".join(mapping), "\n".join(mapping.values())
    lines = len(mapping) - 1
    if mapping and (
        keys.count("\n") != lines
        or "\t" in keys
        or "\r" in keys
        or "\n\n" in keys
        or keys.startswith("\n")
        or keys.endswith("\n")
        or not keys
        or values.count("\n") != lines
        or "\r" in values
    ):
        for key, value in mapping.items():
            _check_key(key)
            if "\n" in value or "\r" in value:
                raise CodecError(f"cannot encode the value of {key!r}: it holds a line break")
    del keys, values
    return encode_lines((f"{k}\t{v}" for k, v in mapping.items()), unique=True)  # one line per key


def decode_str_map(value: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for line in decode_lines(value):
        key, sep, rest = line.partition("\t")
        if not sep:
            raise CodecError(f"corrupted encoded map: a line without a value ({line[:40]!r})")
        result[key] = rest
    return result


def str_map_where(value: str, prefix: str) -> dict[str, str]:
    """The lines of an encoded map whose value starts with `prefix`, by one streamed pass: the few
    opted-out lines of a million-line record are kept, never the million."""
    marker = b"\t" + prefix.encode()
    result: dict[str, str] = {}
    for chunk in _stream_chunks(value):
        for line in chunk:
            if marker in line:  # a C-speed test first: most lines are skipped without decoding
                key, _, rest = line.decode().partition("\t")
                if rest.startswith(prefix):
                    result[key] = rest
    return result


# One encoder for every value: `json.dumps` with options builds a new encoder per call, which was
# a third of encoding a million profiles.
_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _json(value: Any) -> str:
    return _JSON.encode(value)


def encode_json_map(mapping: Mapping[str, Any]) -> str:
    """`key<TAB>json` lines: numbers keep their type (Pulumi itself would turn 41 into 41.0)."""
    try:
        return encode_str_map({k: _json(v) for k, v in mapping.items()})
    except ValueError as exc:
        if isinstance(exc, CodecError):
            raise
        raise CodecError(f"cannot encode a value as JSON: {exc}") from None


def decode_json_map(value: str) -> dict[str, Any]:
    try:
        return {k: json.loads(v) for k, v in decode_str_map(value).items()}
    except json.JSONDecodeError as exc:
        raise CodecError(f"corrupted encoded map: {exc}") from None


def hidden(name: str) -> str:
    """The key an encoded collection is kept under: Pulumi never displays `__` properties."""
    return f"__{name}"


def collection(name: str, encoded: str, noun: str = "entries") -> dict[str, str]:
    """The properties of one collection: a visible summary and the hidden value."""
    head = header(encoded)
    assert head is not None
    return {name: head.summary(noun), hidden(name): encoded}


def props_header(props: Mapping[str, Any], name: str) -> Header | None:
    """Count and digest of the collection `name` in a resource's properties (None: absent or legacy)."""
    return header(props.get(hidden(name)))


def is_legacy(props: Mapping[str, Any], name: str) -> bool:
    """Written by a version before this format: a map keyed by id (or a list of ids) under the
    visible key."""
    return hidden(name) not in props and isinstance(props.get(name), (Mapping, list, tuple))


def ids_in(props: Mapping[str, Any], name: str) -> frozenset[str]:
    """The id set `name` of a resource's properties (new or legacy form; absent: empty)."""
    value = props.get(hidden(name))
    if isinstance(value, str):
        return decode_ids(value)
    legacy = props.get(name)
    return frozenset(map(str, legacy)) if isinstance(legacy, (Mapping, list, tuple)) else frozenset()


def str_map_in(props: Mapping[str, Any], name: str) -> dict[str, str]:
    value = props.get(hidden(name))
    if isinstance(value, str):
        return decode_str_map(value)
    legacy = props.get(name)
    return {str(k): str(v) for k, v in legacy.items()} if isinstance(legacy, Mapping) else {}


def json_map_in(props: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = props.get(hidden(name))
    if isinstance(value, str):
        return decode_json_map(value)
    legacy = props.get(name)
    return {str(k): _plain(v) for k, v in legacy.items()} if isinstance(legacy, Mapping) else {}


def _plain(value: Any) -> Any:
    """Legacy values as plain dicts and lists, whatever mapping or sequence types delivered them."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def ids_diff_in(olds: Mapping[str, Any], news: Mapping[str, Any], name: str) -> tuple[list[str], list[str]]:
    """(added, removed) ids of collection `name` between two resources' properties: streamed when
    both are encoded, through sets when either was written before this format."""
    old, new = olds.get(hidden(name)), news.get(hidden(name))
    if (old is None or isinstance(old, str)) and isinstance(new, str) and not is_legacy(olds, name):
        return diff_ids(old, new)
    was, now = ids_in(olds, name), ids_in(news, name)
    return sorted(now - was), sorted(was - now)


def members_among(props: Mapping[str, Any], name: str, candidates: Iterable[str]) -> set[str]:
    """Which of a few `candidates` the id set `name` holds, by one streamed pass (no set of it all)."""
    wanted = {c.encode() for c in candidates}
    if not wanted:
        return set()
    value = props.get(hidden(name))
    if not isinstance(value, str):
        return {c.decode() for c in wanted} & set(ids_in(props, name))
    return {line.decode() for line in _stream_ids(value) if line in wanted}


def same_collection(olds: Mapping[str, Any], news: Mapping[str, Any], name: str) -> bool:
    """Whether two resources hold the same collection, by digest. A legacy value never counts as the
    same, so the next update rewrites it in the compact form (sending only real differences)."""
    old, new = props_header(olds, name), props_header(news, name)
    if old is None and new is None:
        return not is_legacy(olds, name) and not is_legacy(news, name)
    return old is not None and new is not None and old.digest == new.digest
