"""The program's own checks, before any resource is registered."""

from __future__ import annotations

from pathlib import Path

from netmera_iac.adapters.registration import size_problem
from netmera_iac.engine import MAX_IDS_PER_RESOURCE


def test_a_resource_above_the_limit_names_the_file_and_the_setting() -> None:
    source = "stacks/e2e/tags.yaml: memberships.big"
    assert size_problem(source, 5_000_000, "members", MAX_IDS_PER_RESOURCE) is None
    assert size_problem(source, 5_000_001, "members", MAX_IDS_PER_RESOURCE) == (
        "stacks/e2e/tags.yaml: memberships.big: 5000001 members exceed the limit of 5000000 per resource "
        "(netmera-iac:maxIdsPerResource); split the list into several tags or files"
    )


def test_stack_settings_outside_their_range_are_named_together() -> None:
    import pytest

    from netmera_iac.engine import DesiredStateError
    from netmera_iac.program import stack_settings

    config = {"massChangeThreshold": "nan", "massChangeMinimum": "0", "maxIdsPerResource": "0",
              "allowMassChange": "yes"}  # fmt: skip
    with pytest.raises(DesiredStateError) as caught:
        stack_settings(config.get)
    assert caught.value.problems == [
        "stack config netmera-iac:massChangeThreshold: must be a share of the managed users above 0 and at "
        "most 1 (value: 'nan')",
        "stack config netmera-iac:massChangeMinimum: must be a whole number of users, at least 1 "
        "(value: '0')",
        "stack config netmera-iac:maxIdsPerResource: must be a whole number of ids (at most 5000000) "
        "(value: '0')",
        "stack config netmera-iac:allowMassChange: must be true or false (value: 'yes')",
    ]
    settings = stack_settings({"massChangeThreshold": "1", "allowMassChange": "True"}.get)
    assert (settings.guard.threshold, settings.guard.minimum, settings.guard.allow_mass_change) == (
        1.0,
        10,
        True,
    )
    assert settings.max_ids == MAX_IDS_PER_RESOURCE and settings.allow_forget_consent is False
    assert settings.check_existence is False
    assert stack_settings({"checkExistence": "true"}.get).check_existence is True


def test_the_demo_passphrase_is_refused_for_any_stack_but_demo(tmp_path: Path) -> None:
    from netmera_iac.engine.passphrase import DEMO_PASSPHRASE, passphrase_problems

    assert passphrase_problems("demo", {"PULUMI_CONFIG_PASSPHRASE": DEMO_PASSPHRASE}) == []
    assert passphrase_problems("production", {"PULUMI_CONFIG_PASSPHRASE": "a real one"}) == []
    (problem,) = passphrase_problems("production", {"PULUMI_CONFIG_PASSPHRASE": DEMO_PASSPHRASE})
    assert "stack 'production'" in problem and "change-secrets-provider" in problem
    (tmp_path / "passphrase").write_text(DEMO_PASSPHRASE + "\n")
    assert passphrase_problems("staging", {"PULUMI_CONFIG_PASSPHRASE_FILE": str(tmp_path / "passphrase")})
