"""The consent record: per person and channel, the last permission this stack applied or observed.

A consent list's ledger (families/consent/ledger.py) knows the ids of one list: `email.users` knows
external ids, `email.addresses` knows addresses. A person is both, so an opt-out recorded under one
addressing has to hold under the other, or switching a list's addressing re-opts people in without
evidence. The record is kept at the scope of what it protects: the stack, in its backend beside the
journal (backends/), by *person key*; it outlives a revert, a rollback and a list's removal from the
desired state, and is read by whichever machine runs next.

Person keys: `id:<external id>`, `email:<address>`, `msisdn:<number>`, `whatsapp:<number>`,
`device:<token>`, with addresses and numbers in a canonical form (`canonical_email`,
`canonical_number`); what is sent to Netmera stays exactly as written. *Links* tie an external id to
the addresses and numbers the stack knows it holds (contacts.yaml, what reads returned); a person is a
key with its links and theirs. An address no link ties to an external id has an unknown holder: the
record cannot tell whose opt-out it would override, which the plan says (and the policy pack can
require evidence for).

The guard (`person_guard`) takes, for each opted-in entry of the desired state, the newest line among
its person's keys: opted out, with no evidence later than that line, is blocked. Plain Python over the
journal's `Store`, spread over a few shards so an apply rewrites only the shards its ids fall in.

A shard of lines is one encoded map (engine/codec.py: `key<TAB>state<TAB>how<TAB>at<TAB>list`,
sorted, compressed, digested), so a million people are read without a million JSON objects, and an
apply's few thousand lines are merged into a shard as it streams. Shards an earlier version wrote as
JSON are still read and are rewritten in the compact form by the next write. The shard keeps its
key: a version that cannot read the new form then fails loudly on it ("unreadable") rather than
reading a stale copy that lacks newer opt-outs. Lines read are parsed only when looked up
(`RecordLines`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from . import codec
from .errors import BackendError, CodecError
from .journal import Store
from .plan import OPTED_IN, OPTED_OUT, Preference

SHARDS: Final = 16
# The handle kind of each addressing that is not an external id.
HANDLE_KINDS: Final[dict[str, str]] = {
    "emailList": "email",
    "msisdnList": "msisdn",
    "wpNumbers": "whatsapp",
    "deviceToken": "device",
}
# The contact field that holds each channel's handle (contacts.yaml).
CHANNEL_HANDLES: Final[dict[str, str]] = {"email": "email", "sms": "msisdn", "whatsapp": "whatsapp"}
HOWS: Final = ("applied", "observed", "planned", "uncertain")
_STATES: Final[dict[str, Preference]] = {OPTED_IN: OPTED_IN, OPTED_OUT: OPTED_OUT}


def canonical_email(address: str) -> str:
    """The form addresses are compared in: NFC, the whole address in lower case. Domains are
    case-insensitive (RFC 5321); local parts may legally differ by case, but virtually no mailbox
    provider does so, and for this guard treating two addresses as one person only asks for evidence
    more often. Dots and `+tags` are kept: whether they matter is the provider's rule, not ours."""
    return unicodedata.normalize("NFC", address.strip()).lower()


def canonical_number(number: str) -> str:
    """E.164 (`+905551234567`) from the forms Netmera takes and answers: `+90…`, `0090…`, and the
    bare `90…` that getSegmentUsers returns. Anything else is compared as written."""
    text = number.strip().replace(" ", "")
    digits = text[1:] if text.startswith("+") else text[2:] if text.startswith("00") else text
    return f"+{digits}" if digits.isdigit() and not digits.startswith("0") else text


def person_key(addressing: str, value: str) -> str:
    """The record's key for `value` as a list with `addressing` names it."""
    if addressing == "extId":
        return f"id:{value}"
    kind = HANDLE_KINDS[addressing]
    if kind == "email":
        return f"email:{canonical_email(value)}"
    if kind in ("msisdn", "whatsapp"):
        return f"{kind}:{canonical_number(value)}"
    return f"{kind}:{value}"


def handle_key(kind: str, value: str) -> str:
    """The key of a contact handle (`email`, `msisdn`, `whatsapp`), as contacts.yaml or a read give it."""
    return f"{kind}:{canonical_email(value) if kind == 'email' else canonical_number(value)}"


def parse_time(text: str) -> datetime:
    """RFC 3339 time; a naive time is refused rather than guessed (evidence must be comparable)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone (write e.g. 2026-11-28T09:00:00Z)")
    return value


def later(first: str, second: str) -> bool:
    """Whether time `first` is after `second`; an unreadable time is never later."""
    try:
        return parse_time(first) > parse_time(second)
    except ValueError:
        return False


@dataclass(frozen=True)
class Line:
    """The last permission of one person key: `how` as in a ledger line, `at` when ("" for a line
    an update planned whose time is not known), and the consent list that recorded it."""

    state: Preference
    how: str
    at: str
    source: str  # the consent list that recorded it, e.g. email-users

    def to_wire(self) -> list[str]:
        return [self.state, self.how, self.at, self.source]

    @classmethod
    def from_wire(cls, raw: object) -> Line | None:
        if not (isinstance(raw, list) and len(raw) == 4 and all(isinstance(p, str) for p in raw)):
            return None
        state, how, at, name = raw
        if state not in (OPTED_IN, OPTED_OUT) or how not in HOWS:
            return None
        return cls(OPTED_IN if state == OPTED_IN else OPTED_OUT, how, at, name)

    def newer_than(self, other: Line) -> bool:
        """Order of lines: a line of unknown time (planned) is the newest; at one time an opt-out wins."""
        if self.at == "" or other.at == "":
            return self.at == "" and (other.at != "" or self.state == OPTED_OUT)
        if self.at == other.at:
            return self.state == OPTED_OUT and other.state != OPTED_OUT
        return later(self.at, other.at)

    def to_text(self) -> str:
        """The line as a value of a compact shard (tab-separated: no part holds a tab or line break)."""
        return "\t".join(self.to_wire())

    @classmethod
    def from_text(cls, text: str) -> Line | None:
        parts = text.split("\t")
        if len(parts) != 4 or parts[0] not in _STATES or parts[1] not in HOWS:
            return None
        return cls(_STATES[parts[0]], parts[1], parts[2], parts[3])


class RecordLines(Mapping[str, Line]):
    """A channel's lines as read: kept as their text and parsed when looked up, since a guard over a
    million people looks most of them up once (or not at all) and a million parsed lines cost
    hundreds of MB. Unreadable lines are absent."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts

    def __getitem__(self, key: str) -> Line:
        line = Line.from_text(self._texts[key])
        if line is None:
            raise KeyError(key)
        return line

    def get(self, key: str, default: object = None) -> Line | None:  # type: ignore[override]
        text = self._texts.get(key)
        line = Line.from_text(text) if text is not None else None
        return line if line is not None else default  # type: ignore[return-value]

    def state(self, key: str) -> Preference | None:
        text = self._texts.get(key)
        if text is None:
            return None
        # By its first field alone: a damaged line read as opted out is parsed (and dropped) by
        # whoever then looks it up, one read as opted in blocks nothing, as an absent line.
        return _STATES.get(text.partition("\t")[0])

    def __iter__(self) -> Iterator[str]:
        return (k for k, text in self._texts.items() if Line.from_text(text) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None


def state_of(lines: Mapping[str, Line], key: str) -> Preference | None:
    """The state of `key`'s line, without parsing it when the lines are a record's (`RecordLines`)."""
    if isinstance(lines, RecordLines):
        return lines.state(key)
    line = lines.get(key)
    return line.state if line is not None else None


Links = Mapping[str, frozenset[str]]


def linked(known: Links, pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """`known` with each (a, b) pair tied both ways."""
    merged = {k: set(v) for k, v in known.items()}
    for a, b in pairs:
        merged.setdefault(a, set()).add(b)
        merged.setdefault(b, set()).add(a)
    return {k: frozenset(v) for k, v in merged.items()}


def person_of(key: str, links: Links) -> set[str]:
    """`key` and the keys linked to it, and theirs: an address, its holder, the holder's other
    addresses (two steps are a person; further steps would chain people through shared addresses)."""
    if key not in links:  # most people of a large list: no address or number tied to them
        return {key}
    keys, frontier = {key}, {key}
    for _ in range(2):
        frontier = {k for f in frontier for k in links.get(f, frozenset())} - keys
        keys |= frontier
    return keys


def newest(keys: Collection[str], lines: Mapping[str, Line]) -> tuple[str, Line] | None:
    found: tuple[str, Line] | None = None
    for key in sorted(keys) if len(keys) > 1 else keys:
        line = lines.get(key)
        if line is not None and (found is None or line.newer_than(found[1])):
            found = (key, line)
    return found


@dataclass(frozen=True)
class Wanted:
    """One opted-in entry of the desired state: in which list, as written, its key, its evidence time."""

    source: str  # e.g. `consent.yaml: email.addresses`
    shown: str
    key: str
    evidence_at: str | None = None
    evidence_source: str | None = None


@dataclass(frozen=True)
class PersonBlocked:
    wanted: Wanted
    person: frozenset[str]
    via: str  # the key whose line says opted out
    line: Line

    def describe(self) -> str:
        ids = sorted(k.removeprefix("id:") for k in self.person if k.startswith("id:"))
        who = f"person {', '.join(ids)}" if ids else "an address whose holder this stack does not know"
        through = "" if self.via == self.wanted.key else f" as {self.via}"
        where = {
            "observed": "read back from Netmera",
            "uncertain": "being sent by an update that did not report back",
        }.get(self.line.how, "applied by this stack")
        when = self.line.at or "at a time kept in the stack's outputs (run the preview with --refresh)"
        if self.wanted.evidence_at is None:
            why = "no evidence in the desired state"
        else:
            why = f"evidence from {self.wanted.evidence_source!r} at {self.wanted.evidence_at} is not later"
        return (
            f"{self.wanted.source}: {self.wanted.shown} ({who}) opted out{through} {when} by "
            f"consent list {self.line.source} ({where}); {why}"
        )


def person_guard(wanted: Iterable[Wanted], lines: Mapping[str, Line], links: Links) -> list[PersonBlocked]:
    """Every wanted opt-in whose person's newest line is opted out without later evidence."""
    blocked = []
    for want in wanted:
        person = person_of(want.key, links)
        found = newest(person, lines)
        if found is None or found[1].state != OPTED_OUT:
            continue
        via, line = found
        if want.evidence_at is not None and line.at and later(want.evidence_at, line.at):
            continue
        blocked.append(PersonBlocked(want, frozenset(person), via, line))
    return blocked


def unknown_holder(key: str, links: Links) -> bool:
    """An address or number no link ties to an external id (an id is its own holder)."""
    return not key.startswith("id:") and not any(k.startswith("id:") for k in person_of(key, links))


@dataclass(frozen=True)
class Desired:
    """One entry of a consent list of the desired state, for the conflict check."""

    source: str
    shown: str
    key: str
    state: Preference


def conflicts(entries: Iterable[Desired], links: Links) -> list[str]:
    """Pairs of entries of one channel that name one person, one opted in and one opted out: whichever
    list Netmera heard last would win, so the desired state must say one thing."""
    outs: dict[str, Desired] = {}
    ins: list[Desired] = []
    for entry in entries:
        if entry.state == OPTED_OUT:
            outs.setdefault(entry.key, entry)
        else:
            ins.append(entry)
    found = []
    for entry in ins:
        for key in sorted(person_of(entry.key, links)):
            other = outs.get(key)
            if other is not None:
                found.append(
                    f"{entry.source}: {entry.shown} is opted in, but {other.source} opts out "
                    f"{other.shown}, the same person ({key}): keep one of them"
                )
                break
    return found


class ConsentRecord:
    """The record of one stack in `store` under `prefix`: `<channel>/<shard>.json` with the lines,
    `links/<shard>.json` with the links, `seeded.json` once the ledgers of the state are in."""

    _lock = threading.Lock()  # the providers of one process write concurrently

    def __init__(self, store: Store, prefix: str) -> None:
        self.store = store
        self.prefix = prefix.rstrip("/")

    @property
    def where(self) -> str:
        return f"{self.store.where} ({self.prefix}/)"

    @staticmethod
    def _shard(key: str) -> int:
        return int(hashlib.sha256(key.encode()).hexdigest()[0], 16) % SHARDS

    def _get(self, key: str) -> bytes | None:
        return self.store.get(key)

    def _unreadable(self, key: str, why: str) -> BackendError:
        return BackendError(
            self.store.where,
            f"the consent record {key} is unreadable ({why}); it is what keeps opted-out people "
            "opted out, so nothing is planned until it is repaired or restored",
        )

    def _read(self, key: str, field: str) -> dict[str, object]:
        """A JSON shard (links, and lines as an earlier version wrote them)."""
        raw = self._get(key)
        if raw is None:
            return {}
        try:
            value = json.loads(raw)[field]
            if not isinstance(value, dict):
                raise TypeError(field)
            return value
        except (ValueError, KeyError, TypeError) as exc:
            raise self._unreadable(key, type(exc).__name__) from None

    def _shards(
        self, folder: str, field: str, wanted: Iterable[int] = range(SHARDS)
    ) -> Iterator[tuple[int, dict[str, object]]]:
        for shard in wanted:
            yield shard, self._read(self._key(folder, shard), field)

    def _key(self, folder: str, shard: int) -> str:
        return f"{self.prefix}/{folder}/{shard:x}.json"

    def _line_shard(self, key: str) -> tuple[str | None, dict[str, str]]:
        """A shard of lines: (its encoded value, None if absent or JSON) and, for a JSON shard, its
        lines as text."""
        raw = self._get(key)
        if raw is None:
            return None, {}
        if raw.startswith(codec.FORMAT.encode() + b":"):
            text = raw.decode("ascii", errors="replace")
            if codec.header(text) is None:
                raise self._unreadable(key, "a damaged header")
            return text, {}
        try:
            value = json.loads(raw)["lines"]
            if not isinstance(value, dict):
                raise TypeError("lines")
        except (ValueError, KeyError, TypeError) as exc:
            raise self._unreadable(key, type(exc).__name__) from None
        parsed = {k: Line.from_wire(w) for k, w in value.items()}
        return None, {k: line.to_text() for k, line in parsed.items() if line is not None}

    def lines(self, channel: str, state: Preference | None = None) -> RecordLines:
        """The channel's lines; with `state`, only those of that state (a streamed pass that keeps
        them alone: a guard of people who have one key each needs only the opted-out lines)."""
        texts: dict[str, str] = {}
        prefix = f"{state}\t" if state is not None else ""
        for shard in range(SHARDS):
            key = self._key(channel, shard)
            encoded, legacy = self._line_shard(key)
            texts.update((k, t) for k, t in legacy.items() if t.startswith(prefix))
            if encoded is not None:
                try:
                    found = codec.str_map_where(encoded, prefix) if prefix else codec.decode_str_map(encoded)
                except CodecError as exc:
                    raise self._unreadable(key, str(exc)) from None
                texts.update(found)
        return RecordLines(texts)

    def _rewrite(
        self, folder: str, field: str, values: Mapping[str, object], merge: Callable[[object, object], object]
    ) -> None:
        """Read, merge `values` into (`merge(old or None, new)`) and write back only the shards they
        fall in, under the process's lock."""
        by_shard: dict[int, dict[str, object]] = {}
        for key, value in values.items():
            by_shard.setdefault(self._shard(key), {})[key] = value
        with self._lock:
            for shard, raw in self._shards(folder, field, sorted(by_shard)):
                for key, value in by_shard[shard].items():
                    raw[key] = merge(raw.get(key), value)
                self._put(self._key(folder, shard), {field: raw})

    def write(self, channel: str, lines: Mapping[str, Line]) -> None:
        """Set `lines` (each replaces its key's line); only the shards they fall in are rewritten,
        each merged as it streams (a JSON shard of an earlier version is rewritten compact)."""
        by_shard: dict[int, dict[str, str]] = {}
        for key, line in lines.items():
            by_shard.setdefault(self._shard(key), {})[key] = line.to_text()
        with self._lock:
            for shard in sorted(by_shard):
                key = self._key(channel, shard)
                encoded, legacy = self._line_shard(key)
                try:
                    value = codec.patch_str_map(encoded, {**legacy, **by_shard[shard]})
                except CodecError as exc:
                    raise self._unreadable(key, str(exc)) from None
                self.store.put(key, value.encode("ascii"))

    def merge(self, channel: str, lines: Mapping[str, Line]) -> None:
        """Take in `lines` where they are newer than what the record has (an upgrade's seeding)."""
        current = self.lines(channel)
        newer = {}
        for k, line in lines.items():
            had = current.get(k)
            if had is None or line.newer_than(had):
                newer[k] = line
        self.write(channel, newer)

    def links(self) -> dict[str, frozenset[str]]:
        found: dict[str, frozenset[str]] = {}
        for _, raw in self._shards("links", "links"):
            for key, linked in raw.items():
                if isinstance(linked, list):
                    found[key] = frozenset(str(k) for k in linked)
        return found

    def link(self, pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
        """Record that each (external id key, handle key) pair is one person, both ways; links are
        only added (a person who changed address keeps the old one's history). Returns every link
        the record now holds."""
        current = self.links()
        merged = linked(current, pairs)
        new = {k: sorted(v) for k, v in merged.items() if v != current.get(k)}

        def union(old: object, keys: object) -> object:
            kept = old if isinstance(old, list) else []
            return sorted({*kept, *keys}) if isinstance(keys, list) else kept

        if new:
            self._rewrite("links", "links", new, union)
        return merged

    @property
    def seeded(self) -> bool:
        return self.store.get(f"{self.prefix}/seeded.json") is not None

    def mark_seeded(self, detail: Mapping[str, object]) -> None:
        self._put(f"{self.prefix}/seeded.json", dict(detail))

    def _put(self, key: str, value: Mapping[str, object]) -> None:
        self.store.put(key, json.dumps(value, separators=(",", ":"), sort_keys=True).encode())
