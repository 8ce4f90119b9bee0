"""The module paths earlier versions pickled their providers under, served from where they live now.

Pulumi stores each dynamic provider pickled by reference (`netmera_iac.resources.tag.
TagMembershipProvider`), and reads it back to refresh or delete the resource, possibly years later.
The resources now live in their families (families/*/resource.py); a stack written before that must
still unpickle, so importing an old path gives a module holding the same classes. Imported lazily: the
families import this package, so an eager import here would be circular.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

PACKAGE = "netmera_iac.resources"
# old module under resources/ -> the modules that hold its classes now
MOVED: dict[str, tuple[str, ...]] = {
    "tag": ("tags.resource",),
    "category_preference": ("categories.resource",),
    "profile_attribute": ("profiles.resource", "profiles.arrays", "profiles.retirement"),
    "consent": ("consent.resource",),
    "contact": ("contacts.resource",),
    "user": ("erasure.resource", "approvals.resource"),
}


class _Loader(importlib.abc.Loader):
    def __init__(self, sources: tuple[str, ...]) -> None:
        self.sources = sources

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        for source in self.sources:
            moved = importlib.import_module(f"netmera_iac.families.{source}")
            module.__dict__.update({k: v for k, v in vars(moved).items() if not k.startswith("__")})


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        old = fullname.removeprefix(f"{PACKAGE}.")
        if fullname.startswith(f"{PACKAGE}.") and old in MOVED:
            return importlib.machinery.ModuleSpec(fullname, _Loader(MOVED[old]))
        return None


def install() -> None:
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.append(_Finder())
