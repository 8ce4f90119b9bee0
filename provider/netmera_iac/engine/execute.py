"""Carrying out a plan through the client: the only place where plans meet the network."""

from __future__ import annotations

from ..client import NetmeraClient
from ..models import CategoryPreferenceEntry
from .plan import Plan


def execute(client: NetmeraClient, plan: Plan) -> int:
    """Send every operation of `plan`; returns the number of requests made."""
    requests = 0
    for op in plan.operations:
        if op.name == "tagUsers":
            requests += client.tag_users(op.target, op.ids).requests
        elif op.name == "untagUsers":
            requests += client.untag_users(op.target, op.ids).requests
        elif op.name == "setCategoryPreferences":
            entries = [
                CategoryPreferenceEntry(
                    ext_id=i, category=op.target, enable=bool(op.enable), channel=op.channel
                )
                for i in op.ids
            ]
            requests += client.set_category_preferences(entries).requests
        else:  # pragma: no cover - a plan only ever holds the operations above
            raise ValueError(f"unknown operation in plan: {op.name}")
    return requests
