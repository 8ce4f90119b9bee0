"""Every endpoint of the seed API page is used by the product (families, engine, resources, the program)."""

from __future__ import annotations

import re
from pathlib import Path

from netmera_iac.models import ENDPOINTS

PACKAGE = Path(__file__).resolve().parents[1] / "provider" / "netmera_iac"


def test_every_seed_endpoint_is_called_outside_the_client_and_emulator() -> None:
    product = "\n".join(
        p.read_text()
        for folder in ("engine", "families", "resources")
        for p in (PACKAGE / folder).rglob("*.py")
    ) + "".join((PACKAGE / module).read_text() for module in ("program.py", "reads.py"))
    unused = [
        op.name for op in ENDPOINTS if op.in_seed and not re.search(rf"\b{op.python_name}(_many)?\b", product)
    ]
    assert unused == []
