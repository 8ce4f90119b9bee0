"""Every endpoint in the table is used by the product (families, engine, resources, the program)."""

from __future__ import annotations

import re
from pathlib import Path

from netmera_iac.models import ENDPOINTS

PACKAGE = Path(__file__).resolve().parents[1] / "provider" / "netmera_iac"


def test_every_endpoint_is_used_outside_the_client_and_emulator() -> None:
    """The seed's endpoints, the reads drift needs, and the contact and WhatsApp writes alike: by the
    client method's name, or by the endpoint's name where a plan names the operation it sends."""
    product = "\n".join(
        p.read_text()
        for folder in ("engine", "families", "resources")
        for p in (PACKAGE / folder).rglob("*.py")
    ) + "".join((PACKAGE / module).read_text() for module in ("program.py", "reads.py"))
    unused = [
        op.name
        for op in ENDPOINTS
        if not re.search(rf"\b{op.python_name}(_many)?\b|\"{re.escape(op.name)}\"", product)
    ]
    assert unused == []
