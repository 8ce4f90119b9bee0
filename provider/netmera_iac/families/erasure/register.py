"""How the program registers the erasure section."""

from __future__ import annotations

from ...adapters.registration import Registration
from .desired import ErasureSection
from .resource import CONFIRMATION, UserErasure


def register(spec: ErasureSection, reg: Registration) -> None:
    if spec.users:
        UserErasure("erasure", spec.users, CONFIRMATION, reg.recovery.ids("UserErasure", "erasure"))
