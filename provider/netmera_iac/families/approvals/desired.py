"""`push-approvals.yaml`: push messages to approve, once each."""

from __future__ import annotations

from dataclasses import dataclass

from ...engine.family import Reading, Section

FILE = "push-approvals.yaml"


@dataclass(frozen=True)
class ApprovalsSection(Section):
    messages: tuple[int, ...]


def parse(reading: Reading) -> ApprovalsSection:
    return ApprovalsSection(tuple(reading.documents[FILE][1]["approve"]))
