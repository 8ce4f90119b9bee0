"""`netmera-iac init`'s refusals, decided before any request or file: name, existing stack, URL,
platform and secrets provider."""

from __future__ import annotations

from pathlib import Path

from netmera_iac.engine.passphrase import DEMO_PASSPHRASE
from netmera_iac.workflow.init import NewStack, refusals

URL = "https://restapi.netmera.com/rest/3.0"
OWN = {"PULUMI_CONFIG_PASSPHRASE": "one of our own"}


def test_a_new_stack_with_its_own_passphrase_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "stacks").mkdir()
    assert refusals(tmp_path, NewStack("staging", URL), OWN) == []
    assert refusals(tmp_path, NewStack("staging", URL, secrets_provider="awskms://alias/x"), {}) == []


def test_every_refusal_is_named(tmp_path: Path) -> None:
    (tmp_path / "stacks" / "staging").mkdir(parents=True)
    (tmp_path / "stacks" / "Pulumi.staging.yaml").write_text("config: {}\n")
    (tmp_path / "stacks" / "staging" / "tags.yaml").write_text("{}\n")
    problems = refusals(tmp_path, NewStack("staging", "http://netmera.example/rest/3.0", "WINDOWS"), {})
    assert problems[:3] == [
        "stacks/Pulumi.staging.yaml already exists: this stack has been set up",
        "stacks/staging/ already holds files; init writes into an empty folder only",
        "--os: one of IOS, ANDROID (value: 'WINDOWS')",
    ]
    assert problems[3].startswith("--base-url: ") and "http" in problems[3]
    assert "needs a secrets provider" in problems[4] and len(problems) == 5


def test_the_demo_passphrase_only_for_the_demo_stack(tmp_path: Path) -> None:
    demo = {"PULUMI_CONFIG_PASSPHRASE": DEMO_PASSPHRASE}
    (problem,) = refusals(tmp_path, NewStack("staging", URL), demo)
    assert "demo passphrase is published" in problem
    assert refusals(tmp_path, NewStack("demo", URL), demo) == []


def test_a_stack_name_that_is_no_folder_name_is_refused(tmp_path: Path) -> None:
    assert refusals(tmp_path, NewStack("../prod", URL), OWN) == [
        "--stack: letters, digits, '-', '_' and '.', starting with a letter or digit (value: '../prod')"
    ]
