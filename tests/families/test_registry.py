"""The registry of families holds together: schemas, adapters, resource types, registration order."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from pulumi.dynamic import Resource

import netmera_iac.families
from netmera_iac.engine.family import Family, in_order
from netmera_iac.engine.sources import SOURCES_FILE
from netmera_iac.families import BY_TYPE, DESIRED_STATE_FILES, FAMILIES

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_every_file_has_its_schema_and_belongs_to_one_family() -> None:
    assert len(DESIRED_STATE_FILES) == len(set(DESIRED_STATE_FILES))
    documents = [f for family in FAMILIES for f in family.files]  # companions are read by their family
    missing = [f for f in documents if not (SCHEMAS / f"{f.rsplit('.', 1)[0]}.schema.json").is_file()]
    assert missing == []
    companions = [f for family in FAMILIES for f in family.companions]
    # sources.yaml belongs to the stack, not to one family: every family's entries may name its sources
    assert (SCHEMAS / "sources.schema.json").is_file()
    assert sorted(DESIRED_STATE_FILES) == sorted([*documents, *companions, SOURCES_FILE])


def test_every_adapter_registers_and_every_resource_type_has_a_family() -> None:
    for family in FAMILIES:
        assert callable(getattr(family.adapter(), "register", None)), family.name
    declared: set[str] = set()
    for info in pkgutil.walk_packages(netmera_iac.families.__path__, "netmera_iac.families."):
        module = importlib.import_module(info.name)
        declared |= {
            cls._resource_type_name.rsplit(":", 1)[-1]
            for cls in vars(module).values()
            if inspect.isclass(cls) and issubclass(cls, Resource) and cls.__module__ == info.name
            and cls._resource_type_name.startswith("dynamic/netmera:")
        }  # fmt: skip
    # Every resource a family creates is summarised and recovered by that family, and no type twice.
    assert declared == set(BY_TYPE)
    assert sum(len(f.types) for f in FAMILIES) == len(BY_TYPE)


def test_families_register_after_the_ones_they_wait_for() -> None:
    names = [f.name for f in in_order(FAMILIES)]
    assert names.index("contacts") < names.index("consent")
    known = {f.name for f in FAMILIES}
    assert all(set(f.after) <= known for f in FAMILIES)


def test_families_waiting_on_each_other_are_refused() -> None:
    def family(name: str, after: tuple[str, ...]) -> Family:  # type: ignore[type-arg]
        return Family(name, (), lambda r: None, (), lambda s: [], "", after=after)

    with pytest.raises(ValueError, match="wait on each other"):
        in_order([family("a", ("b",)), family("b", ("a",))])
