"""The example production stack targets the real API and refuses to plan without its secret key."""

from __future__ import annotations

import re
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
    assert "secrets." not in str(workflows["netmera-cache.yml"])  # builds caches, reaches nothing
    for name, doc in workflows.items():
        if name == "netmera-cache.yml":
            continue
        uses_key = [s for job in doc["jobs"].values() for s in job["steps"] if "NETMERA_API_KEY" in str(s)]
        assert doc.get("env", {}).get("NETMERA_API_KEY") == "${{ secrets.NETMERA_API_KEY }}" or uses_key, name
        set_up = [s for job in doc["jobs"].values() for s in job["steps"] if s.get("uses") == SET_UP]
        assert len(set_up) == 1 and "tools/setup.sh" not in runs[name], name  # one set-up, shared


SET_UP = "./.github/actions/setup"
ACTION = REPO_ROOT / ".github" / "actions" / "setup" / "action.yml"


def _hashed(key: str) -> list[str]:
    """The files of a cache key's `hashFiles(...)`."""
    (args,) = re.findall(r"hashFiles\(([^)]*)\)", key)
    return [a.strip().strip("'") for a in args.split(",")]


def test_the_set_up_caches_are_keyed_by_what_the_builds_stamp() -> None:
    """A cache restored under a key must be what tools/setup.sh and tools/pulumi/build.sh would build
    for the same inputs: the Pulumi key hashes exactly the build's stamp inputs, the .venv key the
    exact Python and pyproject.toml; a stale cache can only cost a rebuild, never a wrong binary."""
    steps = {s.get("id"): s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"]}
    build = (REPO_ROOT / "tools" / "pulumi" / "build.sh").read_text()
    (stamped,) = re.findall(r"^stamp_input=\$\(cat (.*?) \| sha256sum", build, re.M)
    build_inputs = sorted("tools/pulumi/" + f.replace('"$here"/', "").replace('"$here/', "").strip('"')
                          for f in stamped.split())  # fmt: skip
    pulumi_key = steps["pulumi-cache"]["with"]["key"]
    assert steps["pulumi-cache"]["with"]["path"] == ".tools/pulumi/bin"
    assert sorted(_hashed(pulumi_key)) == build_inputs
    venv_key = steps["venv-cache"]["with"]["key"]
    assert "steps.python.outputs.python-version" in venv_key and _hashed(venv_key) == ["pyproject.toml"]
    assert "cat pyproject.toml" in (REPO_ROOT / "tools" / "setup.sh").read_text()
    assert "secrets." not in ACTION.read_text()


def test_only_default_branch_runs_save_the_set_up_caches() -> None:
    """A pull request's run may restore caches but never save one: what a plan or apply job runs was
    built by a run of the default branch (or by the job itself)."""
    for path in (REPO_ROOT / ".github" / "workflows").glob("*.yml"):
        doc = yaml.safe_load(path.read_text())
        triggers = doc.get(True) or doc.get("on")  # PyYAML reads the key `on` as True
        steps = [s for job in doc["jobs"].values() for s in job["steps"]]
        assert not [s for s in steps if str(s.get("uses", "")).startswith("actions/cache")], path.name
        saves = [s for s in steps if s.get("uses") == SET_UP and (s.get("with") or {}).get("save-cache")]
        if saves:
            assert set(triggers) <= {"push", "schedule", "workflow_dispatch"}, path.name
            assert triggers.get("push") in (None, {**triggers.get("push", {}), "branches": ["main"]})
        if "pull_request" in triggers:
            assert not saves, path.name


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
