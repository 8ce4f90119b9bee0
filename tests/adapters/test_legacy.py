"""Providers pickled by earlier versions under `netmera_iac.resources.*` still unpickle, as the classes
that live in the families and in adapters/ now."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import dill

from netmera_iac.adapters.manifest import StackManifestProvider
from netmera_iac.families.tags.resource import TagMembershipProvider

STATE = Path(__file__).resolve().parents[1] / "e2e" / "legacy" / "v1-sharded" / "state.json"


def test_every_provider_of_a_v1_state_unpickles_as_today_s_class() -> None:
    resources = json.loads(STATE.read_text())["deployment"]["resources"]
    pickled = [r["inputs"]["__provider"] for r in resources if "__provider" in (r.get("inputs") or {})]
    classes = {type(dill.loads(base64.b64decode(p))) for p in pickled}
    modules = {c.__module__ for c in classes}
    assert TagMembershipProvider in classes
    assert StackManifestProvider in classes
    assert len(classes) >= 7
    assert all(m.startswith(("netmera_iac.families.", "netmera_iac.adapters.")) for m in modules), modules


def test_the_old_host_module_runs_today_s_host() -> None:
    """A Pulumi CLI built by an earlier tools/pulumi/build.sh runs `-m netmera_iac.resources.host`."""
    code = (
        "import runpy, netmera_iac.adapters.host as h; h.main = lambda: print('served by', h.__name__); "
        "runpy.run_module('netmera_iac.resources.host', run_name='__main__')"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "served by netmera_iac.adapters.host"
