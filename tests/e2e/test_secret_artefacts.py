"""No form of the API key reaches any artefact (issue 21, item 4): a stack applied with the demo key,
then planned with keys a header cannot carry (line break, tab, non-ASCII) and keys the emulator
refuses (quotes, URL characters, a backslash). Every file of the backend (state, history, journal,
consent record), the Pulumi and netmera-iac homes (logs), `plan.md`, `plan.json` and the command's
output and errors are scanned for the key as written, escaped, quoted and URL-encoded."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from pulumi import automation as auto

from netmera_iac.emulator.server import DEMO_API_KEY
from tests.conftest import Emulator
from tests.e2e.harness import NetmeraStack, netmera_iac

pytestmark = pytest.mark.e2e

KEYS = [
    "secret-key-with-newline\n",
    "secret\tkey-with-tab",
    "secret-anahtar-ş",
    'secret-key-with-"quotes"',
    "secret-key/with+url=chars&x",
    "secret-key\\with-backslash",
]


def forms(key: str) -> set[str]:
    found = {
        key,
        key.strip(),
        repr(key)[1:-1],
        json.dumps(key)[1:-1],
        json.dumps(key, ensure_ascii=False)[1:-1],
        quote(key, safe=""),
        key.encode("unicode_escape").decode(),
    }
    return {f for f in found if len(f) >= 8}


def scanned(*roots: Path) -> dict[str, str]:
    texts = {}
    for root in roots:
        for path in root.rglob("*") if root.is_dir() else [root]:
            if path.is_file() and "__pycache__" not in path.parts and "plugins" not in path.parts:
                texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    return texts


def test_no_key_form_appears_in_any_artefact(
    netmera_stack: NetmeraStack, emulator: Emulator, tmp_path: Path
) -> None:
    (netmera_stack.state_dir / "consent.yaml").write_text(
        yaml.safe_dump({"email": {"users": {"opted_out": ["cust-ayse"]}}})
    )
    (netmera_stack.state_dir / "tags.yaml").write_text(
        yaml.safe_dump({"memberships": {"vip": {"members": ["user-0001"]}}})
    )
    netmera_stack.stack.up()
    outputs: dict[str, str] = {}
    for n, key in enumerate(KEYS):
        netmera_stack.stack.set_config("netmera:apiKey", auto.ConfigValue(key, secret=True))
        plan_md, plan_json = tmp_path / f"plan-{n}.md", tmp_path / f"plan-{n}.json"
        run = netmera_iac(netmera_stack, "plan", "--out", str(plan_md), "--save-plan", str(plan_json))
        assert run.returncode != 0, run.stdout  # refused at preview: a key the header or the app refuses
        outputs[f"plan with key {n}"] = run.stdout + run.stderr
        up = netmera_stack.cli("up", "--yes", "--skip-preview")  # nothing to send: the key is stored
        outputs[f"up with key {n}"] = up.stdout + up.stderr
    netmera_stack.stack.set_config("netmera:apiKey", auto.ConfigValue(DEMO_API_KEY, secret=True))
    history = netmera_iac(netmera_stack, "history")
    outputs["history"] = history.stdout + history.stderr
    artefacts = {
        **outputs,
        **scanned(tmp_path / "state", tmp_path / "home", *tmp_path.glob("plan-*")),
    }
    assert any(".netmera-iac/consent" in name for name in artefacts)  # the record is scanned too
    for key in [*KEYS, DEMO_API_KEY]:  # the key of the applies too, stored only encrypted
        for form in forms(key):
            leaks = [name for name, text in artefacts.items() if form in text]
            assert not leaks, (form, leaks)
