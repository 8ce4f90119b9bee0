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
        assert doc["env"]["NETMERA_API_KEY"] == "${{ secrets.NETMERA_API_KEY }}", name
        assert "tools/setup.sh" in runs[name], name
