"""The product's error tree: every error netmera-iac raises itself hangs under one base, as drawn."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import netmera_iac
from netmera_iac.client import NetmeraError
from netmera_iac.engine import errors
from netmera_iac.engine.errors import NetmeraIacError


def _exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined in the package, outside the client and the emulator (whose trees
    are their own: Netmera's answers, and the emulator's answers as Netmera)."""
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(netmera_iac.__path__, "netmera_iac."):
        if any(part in info.name for part in (".client", ".emulator", ".__main__", "resources.host")):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == info.name:
                found[name] = value
    return found


def test_every_product_error_is_in_the_tree_and_drawn() -> None:
    drawn = set(re.findall(r"[├└]── (\w+)", errors.__doc__ or ""))
    classes = _exception_classes()
    # PartialApply is not an error of the product but the host's signal to report a partial failure.
    classes.pop("PartialApply")
    assert set(classes) == drawn | {"NetmeraIacError"}
    for name, cls in classes.items():
        assert issubclass(cls, NetmeraIacError), name


def test_errors_that_carry_a_client_error_are_both() -> None:
    from netmera_iac.engine import PartialApplyError

    assert issubclass(PartialApplyError, NetmeraError) and issubclass(PartialApplyError, NetmeraIacError)
