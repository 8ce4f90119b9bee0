"""Every operation of the seed API page is used by the product (engine, resources or the program)."""

from __future__ import annotations

import re
from pathlib import Path

from netmera_iac.models import OPERATIONS

PACKAGE = Path(__file__).resolve().parents[1] / "provider" / "netmera_iac"


def test_every_seed_operation_is_called_outside_the_client_and_emulator() -> None:
    product = (
        "\n".join(
            p.read_text()
            for folder in ("engine", "families", "resources")
            for p in (PACKAGE / folder).rglob("*.py")
        )
        + (PACKAGE / "program.py").read_text()
    )
    unused = [
        op.name
        for op in OPERATIONS
        if op.in_seed and not re.search(rf"\b{op.python_name}(_many)?\b", product)
    ]
    assert unused == []
