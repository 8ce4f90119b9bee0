"""The program's own checks, before any resource is registered."""

from __future__ import annotations

from netmera_iac.engine import MAX_IDS_PER_RESOURCE
from netmera_iac.program import _size_problem


def test_a_resource_above_the_limit_names_the_file_and_the_setting() -> None:
    source = "stacks/e2e/tags.yaml: memberships.big"
    assert _size_problem(source, 5_000_000, "members", MAX_IDS_PER_RESOURCE) is None
    assert _size_problem(source, 5_000_001, "members", MAX_IDS_PER_RESOURCE) == (
        "stacks/e2e/tags.yaml: memberships.big: 5000001 members exceed the limit of 5000000 per resource "
        "(netmera-iac:maxIdsPerResource); split the list into several tags or files"
    )
