"""Id lists kept in their own text files (`members_file`, `opted_in_file`, `opted_out_file`).

A list of a million users does not belong in YAML: parsing it, and checking every id against a JSON
Schema, takes minutes. A list file holds one id per line; blank lines and lines starting with `#` are
ignored, surrounding white space is dropped. Every id is checked with one compiled expression (the
schema's `extId` rule), so a 1,000,000-line file is read and checked in about a second, and every
problem names the file and the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MAX_ID_LENGTH = 256
# The schemas' extId: no surrounding white space, no control characters (ids travel as lines).
ID = re.compile(r"[^\s\x00-\x1f]([^\x00-\x1f]*[^\s])?")
MAX_PROBLEMS = 25
_SUSPECT = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f]")  # control characters but \n and \r


@dataclass(frozen=True)
class ListFile:
    """A list file as the desired state refers to it, and what holds the same ids in the stack.

    `holder` is (resource type, resource name, property, value) when one resource's collection holds
    exactly this file's ids (value: only the ids mapped to it, e.g. opted_in); rollback then rebuilds
    the file from that resource instead of the stack keeping a second copy of every id."""

    path: str  # relative to the stack folder, as written in the YAML
    ids: tuple[str, ...]
    holder: tuple[str, str, str, str | None] | None = None


def resolve(state_dir: Path, relative: str) -> Path | None:
    """The file inside the stack folder, or None if the path leaves it (it would not be reviewed)."""
    base = state_dir.resolve()
    if (base / relative).is_symlink():
        return None  # a link could show what lies outside the folder; refuse it like a path outside
    path = (base / relative).resolve()
    return path if path == base or base in path.parents else None


def read_ids(path: Path, shown: str) -> tuple[list[str], list[str]]:
    """The ids of a list file in order, and its problems (bad ids, duplicates with both line numbers)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [], [f"{shown}: not UTF-8 text: {exc}"]
    except OSError as exc:
        return [], [f"{shown}: cannot be read: {exc.strerror}"]
    lines = text.splitlines()
    if not _SUSPECT.search(text):
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
        elif (seen := first_line.setdefault(line, number)) != number:
            problem = f"{shown}: line {number}: {line!r} is listed more than once (first at line {seen})"
        else:
            ids.append(line)
            continue
        if len(problems) < MAX_PROBLEMS:
            problems.append(problem)
        else:
            hidden += 1
    if hidden:
        problems.append(f"{shown}: … and {hidden} more problem(s) in this file")
    return ids, problems
