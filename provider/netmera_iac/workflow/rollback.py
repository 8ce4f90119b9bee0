"""Rollback: restore the desired state an earlier update applied, keeping everyone who opted out since.

Pulumi has no rollback, and "revert the commit and `pulumi up`" would re-opt-in users who opted out
after that commit. Here the files come from the stack's history (the `desiredState` output of that
update), and before anything is applied the consent guard is run against the stack's *current*
ledgers: every user it would block is kept opted out in the restored files, and named. The update
then runs with every guard as usual (mass change, removal, the consent guard itself once more).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..engine import OPTED_IN, codec, consent_guard, ledger_from_wire, load_desired_state
from ..engine.desired import LIST_NAMES, consent_list_name
from ..engine.record import restore_desired_state, write_desired_state
from .pulumi_cli import PulumiCli, resource_outputs, stack_outputs


@dataclass
class RollbackPlan:
    version: int
    files: dict[str, str]
    kept_opted_out: dict[str, list[str]] = field(default_factory=dict)  # consent list -> ids

    def describe(self) -> str:
        lines = [f"desired state of version {self.version}: {', '.join(sorted(self.files)) or 'no files'}"]
        for name, ids in sorted(self.kept_opted_out.items()):
            shown = ", ".join(ids[:20]) + (f" … (+{len(ids) - 20})" if len(ids) > 20 else "")
            lines.append(f"kept opted out (consent guard, {name}): {len(ids)} user(s): {shown}")
        return "\n".join(lines)


def plan_rollback(cli: PulumiCli, version: int, schema_dir: Path) -> RollbackPlan:
    old = cli.export(version)
    files = restore_desired_state(stack_outputs(old).get("desiredState"), old.get("deployment"))
    latest = cli.export()
    ledgers = {
        name: ledger_from_wire(codec.str_map_in(outputs, "ledger"))
        for suffix in ("PushConsent", "EmailConsent", "SmsConsent")
        for name, outputs in resource_outputs(latest, f":{suffix}").items()
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "stacks" / cli.stack
        write_desired_state(folder, files)
        desired = load_desired_state(folder, schema_dir, shown_root=Path(tmp))
    plan = RollbackPlan(version, dict(files))
    blocked_by_list = {
        spec.name: [b.ext_id for b in consent_guard(spec.consents, ledgers.get(spec.name, {}), spec.evidence)]
        for spec in desired.consents
    }
    blocked_by_list = {name: ids for name, ids in blocked_by_list.items() if ids}
    if blocked_by_list:
        plan.kept_opted_out = blocked_by_list
        plan.files.update(_keep_opted_out(files, blocked_by_list, version))
    return plan


def _keep_opted_out(files: dict[str, str], blocked: dict[str, list[str]], version: int) -> dict[str, str]:
    """consent.yaml (and the list files it names) with every blocked id moved from opted_in to
    opted_out; returns the files that changed."""
    document: dict[str, Any] = yaml.safe_load(files["consent.yaml"]) or {}
    changed: dict[str, str] = {}
    for (channel, addressing), key in LIST_NAMES.items():
        ids = set(blocked.get(consent_list_name(channel, addressing), []))
        entry = (document.get(channel) or {}).get(key)
        if not ids or entry is None:
            continue
        if "opted_in_file" in entry:
            path = entry["opted_in_file"]
            changed[path] = "".join(
                f"{line}\n" for line in files[path].splitlines() if line.strip() not in ids
            )
        else:
            entry[OPTED_IN] = [i for i in entry.get(OPTED_IN, []) if i not in ids]
        if "opted_out_file" in entry:
            path = entry["opted_out_file"]
            changed[path] = files[path].rstrip("\n") + "\n" + "".join(f"{i}\n" for i in sorted(ids))
        else:
            entry["opted_out"] = [*entry.get("opted_out", []), *sorted(ids)]
        evidence = {k: v for k, v in (entry.get("evidence") or {}).items() if k not in ids}
        if evidence:
            entry["evidence"] = evidence
        else:
            entry.pop("evidence", None)
    header = (
        f"# Restored from version {version} of the stack by `netmera-iac rollback`; users who opted out\n"
        "# after that version are kept opted out (the consent guard), the rest is as it was then.\n"
    )
    changed["consent.yaml"] = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return changed


def apply_rollback_files(plan: RollbackPlan, state_dir: Path) -> list[str]:
    return write_desired_state(state_dir, plan.files)
