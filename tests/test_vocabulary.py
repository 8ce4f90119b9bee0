"""ARCHITECTURE.md's vocabulary table matches the code: every name it gives a concept is an identifier
of the package, and none of the names it retired is."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "provider" / "netmera_iac"


def _identifiers() -> set[str]:
    """Every name of the package's code, and every string that is one word (property keys and
    endpoint names such as `notInNetmera` and `tagUsers` are strings)."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if token.type == tokenize.NAME:
                found.add(token.string)
            elif token.type == tokenize.STRING and re.fullmatch(
                r"[\"'][A-Za-z_][A-Za-z_0-9]*[\"']", token.string
            ):
                found.add(token.string[1:-1])
    return found


def _table() -> list[tuple[list[str], list[str]]]:
    """(names in the code, retired names) of each row, as written in backticks."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Vocabulary", 1)[1].split("\n## ", 1)[0]
    rows = [
        line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| concept")
    ]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    return [(re.findall(r"`([^`]+)`", c[1]), re.findall(r"`([^`]+)`", c[2])) for c in cells if len(c) == 3]


def test_the_table_names_what_the_code_calls_each_concept() -> None:
    identifiers = _identifiers()
    named = [n for names, _ in _table() for n in names]
    plain = [n.split(".")[-1] for n in named if re.fullmatch(r"[A-Za-z_][A-Za-z_0-9.]*", n)]
    assert len(plain) >= 20  # the table was read
    assert [n for n in plain if n not in identifiers] == []


def test_retired_names_are_gone_from_the_code() -> None:
    identifiers = _identifiers()
    retired = [n for _, names in _table() for n in names]
    assert len(retired) >= 10
    assert [n for n in retired if n in identifiers] == []
