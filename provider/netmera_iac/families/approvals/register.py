"""How the program registers the push approvals section."""

from __future__ import annotations

from ...adapters.registration import Registration
from .desired import ApprovalsSection
from .resource import PushApproval


def register(spec: ApprovalsSection, reg: Registration) -> None:
    if spec.messages:
        PushApproval("push-approvals", spec.messages)
