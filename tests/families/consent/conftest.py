"""Consent providers record every permission they send in the stack's consent record, which lives in
the stack's backend: each test here serves its calls as our provider host does (a resource URN), with
a folder backend of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from netmera_iac.adapters.process import serving
from netmera_iac.adapters.served import stack_journal
from netmera_iac.engine.consent_record import ConsentRecord

URN = "urn:pulumi:test::netmera-iac::pulumi-python:dynamic/netmera:EmailConsent::t"


@pytest.fixture(autouse=True)
def served_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ConsentRecord]:
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{tmp_path / 'backend'}")
    (tmp_path / "backend").mkdir()
    serving.urn = URN
    try:
        yield stack_journal("netmera-iac", "test", None).consent
    finally:
        serving.urn = None
