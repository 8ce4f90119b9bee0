"""Kept so that providers earlier versions pickled under `netmera_iac.resources.*` still unpickle
(adapters/legacy.py); the shared adapter code lives in `netmera_iac.adapters`."""

from ..adapters import legacy

legacy.install()
