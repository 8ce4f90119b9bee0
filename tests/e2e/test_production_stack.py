"""The example production stack targets the real API and refuses to plan without its secret key."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.harness import REPO_ROOT, VENV, engine_env

pytestmark = pytest.mark.e2e


def test_production_preview_without_a_key_stops_before_any_request(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO_ROOT / "__main__.py", project)
    shutil.copytree(REPO_ROOT / "schemas", project / "schemas")
    shutil.copytree(REPO_ROOT / "stacks" / "production", project / "stacks" / "production")
    shutil.copy(REPO_ROOT / "stacks" / "Pulumi.production.yaml", project / "stacks")
    settings = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(VENV)
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    env = engine_env(tmp_path / "state", tmp_path / "home")
    # An unroutable proxy: a request that escaped the key check would fail loudly, not reach Netmera.
    env |= {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}

    def pulumi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["pulumi", *args, "--non-interactive"], cwd=project, env=env,
                              capture_output=True, text=True, timeout=300)  # fmt: skip

    assert pulumi("stack", "init", "production").returncode == 0
    base_url = pulumi("config", "get", "netmera:baseUrl", "--stack", "production")
    assert base_url.stdout.strip() == "https://restapi.netmera.com/rest/3.0"
    preview = pulumi("preview", "--stack", "production")
    assert preview.returncode != 0
    assert "no Netmera API key: run `pulumi config set --secret netmera:apiKey <key>`" in preview.stdout
    assert "ProxyError" not in preview.stdout + preview.stderr and "ConnectError" not in preview.stdout


def test_ci_templates_call_the_cli_and_take_the_key_from_a_secret() -> None:
    workflows = {
        p.name: yaml.safe_load(p.read_text()) for p in (REPO_ROOT / ".github" / "workflows").glob("*.yml")
    }
    runs = {
        name: "\n".join(step.get("run", "") for job in doc["jobs"].values() for step in job["steps"])
        for name, doc in workflows.items()
    }
    assert "netmera-iac plan --stack production --policy-pack policy" in runs["netmera-plan.yml"]
    assert "--save-plan plan.json" in runs["netmera-plan.yml"]
    assert "netmera-iac apply --stack production --plan plan.json" in runs["netmera-apply.yml"]
    assert "netmera-iac drift --stack production" in runs["netmera-drift.yml"]
    for name, doc in workflows.items():
        uses_key = [s for job in doc["jobs"].values() for s in job["steps"] if "NETMERA_API_KEY" in str(s)]
        assert doc.get("env", {}).get("NETMERA_API_KEY") == "${{ secrets.NETMERA_API_KEY }}" or uses_key, name
        assert "tools/setup.sh" in runs[name], name


def test_the_pull_request_plan_runs_no_pull_request_code_with_secrets() -> None:
    """Only stacks/production/ comes from the pull request; code and stack config from the base branch;
    the secrets reach only the step that runs `netmera-iac plan`, after set-up has run."""
    doc = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "netmera-plan.yml").read_text())
    assert "env" not in doc  # no workflow-wide secrets
    (job,) = doc["jobs"].values()
    steps = job["steps"]
    checkouts = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout")]
    assert [c["with"]["ref"] for c in checkouts] == [
        "${{ github.event.pull_request.base.sha }}",
        "${{ github.event.pull_request.head.sha }}",
    ]
    assert checkouts[0]["with"].get("path") is None  # the base branch is the working tree
    assert checkouts[1]["with"]["sparse-checkout"] == "stacks/production"  # not Pulumi.production.yaml
    assert all(c["with"]["persist-credentials"] is False for c in checkouts)
    copy = next(s for s in steps if "cp -R" in s.get("run", ""))
    assert "cp -R pull-request/stacks/production stacks/production" in copy["run"]
    with_secrets = [s for s in steps if "secrets." in str(s)]
    assert [s.get("name") for s in with_secrets] == ["Plan"]
    assert "netmera-iac plan --stack production" in with_secrets[0]["run"]
    order = [s.get("name") for s in steps]
    assert order.index("Set up (venv, Pulumi CLI)") < order.index("Plan")


def _workflow_steps() -> dict[str, list[dict[str, object]]]:
    docs = {
        p.name: yaml.safe_load(p.read_text()) for p in (REPO_ROOT / ".github" / "workflows").glob("*.yml")
    }
    return {name: [s for job in doc["jobs"].values() for s in job["steps"]] for name, doc in docs.items()}


def test_no_workflow_puts_an_expression_into_a_script_or_a_secret_into_set_up() -> None:
    """Values from the event (a branch name, a title) reach scripts only as environment variables,
    never as script text; secrets reach only the steps that run netmera-iac, never set-up."""
    for name, steps in _workflow_steps().items():
        for step in steps:
            assert "${{" not in str(step.get("run", "")), (name, step.get("name"))
            if "secrets." in str(step.get("env", "")):
                assert "netmera-iac " in str(step.get("run", "")), (name, step.get("name"))
        doc = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / name).read_text())
        assert "secrets." not in str(doc.get("env", "")), name  # no workflow-wide secrets


def test_the_apply_message_is_not_cut_by_a_yaml_comment() -> None:
    (apply,) = [s for s in _workflow_steps()["netmera-apply.yml"] if "netmera-iac apply" in str(s.get("run"))]
    assert '-m "PR #$PR_NUMBER"' in str(apply["run"])
