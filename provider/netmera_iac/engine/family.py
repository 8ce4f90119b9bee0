"""What a resource family is, for the code that iterates over every family (families/__init__.py).

A family (tags, categories, profiles, …) owns one section of the desired state: its files, their
parser, its Pulumi resources, its lines in `netmera-iac plan`. The loader, the program, the summary,
the recorded desired state and rollback know families only through this description, so a family is
added by writing its package and one line in the registry, not by editing each of them. Pure Python:
the Pulumi side of a family is imported by name (`Family.register`) only by the program.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .guards import Claim
from .record import Content

if TYPE_CHECKING:
    from .desired import DesiredState, ListReader
    from .preview import ResourceChange, Step


class Section:
    """A family's parsed desired state. `claims` feed the overlap check; `managed` says where each
    user is managed, so erasing a user another file still manages is refused."""

    def claims(self) -> Iterable[Claim]:
        return ()

    def managed(self) -> Iterable[tuple[str, Collection[str]]]:
        return ((c.resource, c.ids) for c in self.claims())


S = TypeVar("S", bound=Section)
Outputs = Callable[[str], dict[str, dict[str, Any]]]  # resource type -> outputs by resource name
Kept = tuple[dict[str, list[str]], dict[str, Content]]  # ids kept as they are now, by list; changed files


@dataclass
class Reading:
    """What a family's parser is given: its files that exist and match their schemas, by file name,
    as (name shown in messages, parsed document); the stack folder (for its companion files); the
    list-file reader; where problems go."""

    documents: Mapping[str, tuple[str, Any]]
    schema_dir: Path
    state_dir: Path
    lists: ListReader
    shown: Callable[[Path], str]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Family(Generic[S]):
    """One resource family. `files`: its desired-state files, each validated against
    `schemas/<stem>.schema.json`; `parse` is called when any of them exists. `types`: the Pulumi
    resource types it registers; `summarise` turns a preview's steps of those types into reviewer
    lines. `register`: the module (Pulumi) whose `register(section, registration)` creates them, and
    may offer `resolve(section)` (parts read from Netmera before anything registers, e.g. segment
    members) and `retire(entry, registration)` (register once more a resource the desired state
    dropped while its change was interrupted). `after`: families whose resources must exist first.
    `check`: problems across families. `companions`: other files of the stack folder the family
    reads itself (e.g. the stack's own attribute schema), recorded and restored with the rest.
    `rollback(section, outputs, files, version)`: adjusts the files `netmera-iac rollback` restores
    against the stack's current outputs (by resource type); returns the ids it kept as they are now
    and the files it changed."""

    name: str
    files: tuple[str, ...]
    parse: Callable[[Reading], S | None]
    types: tuple[str, ...]
    summarise: Callable[[list[Step]], list[ResourceChange]]
    register: str
    after: tuple[str, ...] = ()
    check: Callable[[DesiredState], list[str]] | None = None
    companions: tuple[str, ...] = ()
    rollback: Callable[[S, Outputs, dict[str, Content], int], Kept] | None = None

    def adapter(self) -> ModuleType:
        return importlib.import_module(self.register)


def in_order(families: Iterable[Family[Any]]) -> list[Family[Any]]:
    """Families with every family named in `after` first (registration order), else as listed."""
    pending = list(families)
    ordered: list[Family[Any]] = []
    while pending:
        done = {f.name for f in ordered}
        ready = [f for f in pending if set(f.after) <= done]
        if not ready:
            raise ValueError(f"families wait on each other: {[f.name for f in pending]}")
        ordered.append(ready[0])
        pending.remove(ready[0])
    return ordered
