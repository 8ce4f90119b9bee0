"""`push-approvals.yaml`: push messages to approve, once each."""

from __future__ import annotations

from dataclasses import dataclass

from ...engine.family import Reading, Section

FILE = "push-approvals.yaml"


@dataclass(frozen=True)
class ApprovalsSpec(Section):
    messages: tuple[int, ...]


def parse(reading: Reading) -> ApprovalsSpec:
    return ApprovalsSpec(tuple(reading.documents[FILE][1]["approve"]))
