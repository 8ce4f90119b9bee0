"""Id lists kept in their own text files (`members_file`, `opted_in_file`, `opted_out_file`).

A list of a million users does not belong in YAML: parsing it, and checking every id against a JSON
Schema, takes minutes. A list file holds one id per line; blank lines and lines starting with `#` are
ignored, surrounding white space is dropped. Every id is checked with one compiled expression (the
schema's `extId` rule), so a 1,000,000-line file is read and checked in about a second, and every
problem names the file and the line.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

MAX_ID_LENGTH = 256
# The schemas' extId: no surrounding white space, no control characters (ids travel as lines).
ID = re.compile(r"[^\s\x00-\x1f]([^\x00-\x1f]*[^\s])?")
MAX_PROBLEMS = 25
# Unicode's invisible format characters (category Cf: zero-width space, joiners, direction marks, a
# byte-order mark inside a line, ...): an id holding one looks exactly like another id and matches
# nobody in Netmera.
FORMAT_CHARACTERS = "".join(chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf")


def _ranges(chars: str) -> str:
    """A character class body of `chars` as ranges: a class of 163 single characters made the search
    of a 1,000,000-line file 30 times slower than one of 21 ranges."""
    spans: list[list[int]] = []
    for code in map(ord, chars):
        if spans and spans[-1][1] == code - 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in spans)


_CONTROL = "\\x00-\\x09\\x0b\\x0c\\x0e-\\x1f"  # control characters but \n and \r
_INVISIBLE = re.compile(f"[{_ranges(FORMAT_CHARACTERS)}]")
# What sends a list file down the per-line path: in ASCII text (every Cf character lies above it)
# control characters alone, searched at C speed; in other text control and format characters.
_SUSPECT_ASCII = re.compile(f"[{_CONTROL}]")
_SUSPECT = re.compile(f"[{_CONTROL}{_ranges(FORMAT_CHARACTERS)}]")


def invisible(ext_id: str) -> str | None:
    """The first invisible format character in `ext_id`, named (`U+200B ZERO WIDTH SPACE`), if any."""
    found = _INVISIBLE.search(ext_id)
    if found is None:
        return None
    char = found.group()
    return f"U+{ord(char):04X} {unicodedata.name(char, 'FORMAT CHARACTER')}"


def look_alike(ids: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of ids that differ as written but are equal after Unicode NFC normalisation (an NFD
    `José` and an NFC one): the same person written twice, or two people Netmera may not tell apart.
    ASCII ids are never affected, so only the others are normalised."""
    first: dict[str, str] = {}
    pairs = []
    for ext_id in ids:
        if ext_id.isascii():
            continue
        key = unicodedata.normalize("NFC", ext_id)
        other = first.setdefault(key, ext_id)
        if other != ext_id:
            pairs.append((other, ext_id))
    return pairs


def decode(data: bytes, shown: str) -> tuple[str | None, str | None]:
    """(text, None), or (None, the problem): UTF-8, with a leading byte-order mark dropped (Notepad and
    Excel write one; kept, it would become part of the first id)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return (
            None,
            f"{shown}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
        )


@dataclass(frozen=True)
class ListFile:
    """A list file as the desired state refers to it, and what holds the same ids in the stack.

    `holder` is (resource type, resource name, property, value) when one resource's collection holds
    exactly this file's ids (value: only the ids mapped to it, e.g. opted_in); rollback then rebuilds
    the file from that resource instead of the stack keeping a second copy of every id."""

    path: str  # relative to the stack folder, as written in the YAML (a query's: where rollback writes it)
    ids: tuple[str, ...]
    holder: tuple[str, str, str, str | None] | None = None
    column: str | None = None  # a table's id column, when not the default (engine/tables.py)
    query: QueryOrigin | None = None  # the ids (or rows) a query returned, not a file
    rows: bool = False  # the holder's collection is a map of values per id (a profile table): `ids` its keys


@dataclass(frozen=True)
class QueryOrigin:
    """Where a query stands in the desired state, so rollback can put a file in its place: the file
    (`tags.yaml`), the key (`members_query`) and the query as written, which names the entry."""

    document: str
    key: str
    source: str
    sql: str

    def recorded(self) -> dict[str, str]:
        return {"file": self.document, "key": self.key, "source": self.source, "sql": self.sql}


def file_reference(given: Any) -> tuple[str, str | None]:
    """A desired state's file reference as (path, column): a path, or a table's `{path, column}`
    (the schemas allow nothing else)."""
    if isinstance(given, Mapping):
        return str(given["path"]), str(given["column"])
    return str(given), None


def resolve(state_dir: Path, relative: str) -> Path | None:
    """The file inside the stack folder, or None if the path leaves it (it would not be reviewed)."""
    base = state_dir.resolve()
    if (base / relative).is_symlink():
        return None  # a link could show what lies outside the folder; refuse it like a path outside
    path = (base / relative).resolve()
    return path if path == base or base in path.parents else None


_HEADER_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_ .-]*")


def _looks_like_csv(lines: list[str]) -> str | None:
    """A spreadsheet export saved as a list file: a header of names joined by one delimiter, and the
    delimiter on the rows after it (the first thousand suffice). Read as a list, each whole line would
    be sent as one id. Only a header-looking first row costs more than one line's look."""
    rows = (
        (n, line.strip())
        for n, line in enumerate(lines, start=1)
        if line.strip() and not line.lstrip().startswith("#")
    )
    number, header = next(rows, (0, ""))
    rest: list[str] | None = None  # read once, and only for a header-looking first row
    for delimiter in (",", ";"):
        fields = [f.strip().strip('"') for f in header.split(delimiter)]
        if len(fields) > 1 and all(_HEADER_FIELD.fullmatch(f) for f in fields):
            if rest is None:
                rest = [row for _, row in islice(rows, 1000)]
            if rest and all(delimiter in row for row in rest):
                return (
                    f"line {number}: looks like CSV ({len(fields)} columns, header {header[:60]!r}), not a "
                    "list of one id per line: keep only the id column, without the header"
                )
    return None


def read_ids(path: Path, shown: str) -> tuple[list[str], list[str]]:
    """The ids of a list file in order, and its problems (bad ids, duplicates with both line numbers)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        return [], [f"{shown}: is a folder, not a list file (one id per line)"]
    except OSError as exc:
        return [], [f"{shown}: cannot be read: {exc.strerror}"]
    text, problem = decode(data, shown)
    if text is None:
        return [], [problem or shown]
    lines = text.splitlines()
    csv = _looks_like_csv(lines)
    if csv:
        return [], [f"{shown}: {csv}"]
    ascii_only = text.isascii()
    suspect = _SUSPECT_ASCII if ascii_only else _SUSPECT
    if not suspect.search(text) and (ascii_only or not look_alike(text.split())):
        # No tab or control character anywhere: every stripped line is an id or a comment; only
        # lengths and duplicates remain to be checked, at C speed, before the per-line pass below.
        stripped = [line.strip() for line in lines]
        ids = [line for line in stripped if line and not line.startswith("#")]
        if len(set(ids)) == len(ids) and max(map(len, ids), default=0) <= MAX_ID_LENGTH:
            return ids, []
    ids = []
    first_line: dict[str, int] = {}
    problems: list[str] = []
    hidden = 0
    match = ID.fullmatch
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(line) > MAX_ID_LENGTH or match(line) is None:
            why = "longer than 256 characters" if len(line) > MAX_ID_LENGTH else "not a valid id"
            problem = f"{shown}: line {number}: {why} (value: {line[:80]!r})"
        elif not line.isascii() and (hidden_char := invisible(line)):
            problem = f"{shown}: line {number}: {line[:80]!r} holds an invisible character ({hidden_char})"
        elif (seen := first_line.setdefault(line, number)) != number:
            problem = f"{shown}: line {number}: {line!r} is listed more than once (first at line {seen})"
        else:
            ids.append(line)
            continue
        if len(problems) < MAX_PROBLEMS:
            problems.append(problem)
        else:
            hidden += 1
    for one, other in look_alike(ids):
        if len(problems) < MAX_PROBLEMS:
            problems.append(
                f"{shown}: line {first_line[other]}: {other!r} is {one!r} (line {first_line[one]}) "
                "in another Unicode form (equal after NFC): likely listed twice"
            )
        else:
            hidden += 1
    if hidden:
        problems.append(f"{shown}: … and {hidden} more problem(s) in this file")
    return ids, problems
