"""`PushApproval`: push messages approved once each with sendPushApproval (adapters/once.py)."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import Resource

from ...adapters.once import OnceProvider


class PushApprovalProvider(OnceProvider):
    key = "messages"

    def describe(self, items: list[Any]) -> str:
        return (
            f"approve message(s) {', '.join(str(int(i)) for i in items)}" if items else "approve nothing new"
        )

    def send(self, items: list[Any]) -> None:
        if items:
            self.client().send_push_approval([int(i) for i in items])  # ids cross Pulumi as doubles


class PushApproval(Resource, module="netmera", name="PushApproval"):
    """Push messages approved once with sendPushApproval."""

    def __init__(self, name: str, messages: tuple[int, ...]) -> None:
        super().__init__(PushApprovalProvider(), name, {"messages": list(messages)})
