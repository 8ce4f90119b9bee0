"""`erasure.yaml`: users to erase permanently, confirmed in the file."""

from __future__ import annotations

from dataclasses import dataclass

from ...engine.desired import DesiredState, duplicates, erasing_managed
from ...engine.family import Reading, Section

NAME = "erasure"
FILE = "erasure.yaml"


@dataclass(frozen=True)
class ErasureSection(Section):
    users: tuple[str, ...]
    source: str


def parse(reading: Reading) -> ErasureSection:
    name, doc = reading.documents[FILE]
    reading.problems.extend(duplicates(doc["users"], name, "users"))
    return ErasureSection(tuple(doc["users"]), name)


def erasing_managed_users(state: DesiredState) -> list[str]:
    spec = state.named(NAME, ErasureSection)
    return erasing_managed(state, spec.users, spec.source) if spec and spec.users else []
