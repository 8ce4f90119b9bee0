"""The module paths earlier versions pickled their providers under, served from where they live now.

Pulumi stores each dynamic provider pickled by reference (`netmera_iac.resources.tag.
TagMembershipProvider`), and reads it back to refresh or delete the resource, possibly years later.
Two moves since: the resources went into their families (families/*/resource.py), and the shared
adapter code went from `resources/` to `adapters/` (the stack manifest's provider,
`netmera_iac.resources.manifest.StackManifestProvider`, is in every stack's state). A stack written
before either must still unpickle, so importing an old path gives a module holding the same classes.
The `netmera_iac.resources` package is kept for this alone (and for `python -m
netmera_iac.resources.host`, which a Pulumi CLI built by an earlier tools/pulumi/build.sh runs).
Modules are imported lazily: the families import the adapters, so an eager import would be circular.
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
    "tag": ("netmera_iac.families.tags.resource",),
    "category_preference": ("netmera_iac.families.categories.resource",),
    "profile_attribute": (
        "netmera_iac.families.profiles.resource",
        "netmera_iac.families.profiles.arrays",
        "netmera_iac.families.profiles.retirement",
    ),
    "consent": ("netmera_iac.families.consent.resource",),
    "contact": ("netmera_iac.families.contacts.resource",),
    "user": ("netmera_iac.families.erasure.resource", "netmera_iac.families.approvals.resource"),
    # the one provider of the shared adapter code, in every stack's state
    "manifest": ("netmera_iac.adapters.manifest",),
}


class _Loader(importlib.abc.Loader):
    def __init__(self, sources: tuple[str, ...]) -> None:
        self.sources = sources

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default module

    def exec_module(self, module: ModuleType) -> None:
        for source in self.sources:
            moved = importlib.import_module(source)
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
