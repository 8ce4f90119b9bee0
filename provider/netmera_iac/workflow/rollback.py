"""Rollback: restore the desired state an earlier update applied, keeping everyone who opted out since.

Pulumi has no rollback. Here the files come from the stack's history (the `desiredState` output of that
update), and each family with a `rollback` hook adjusts them against the stack's *current* state
before anything is applied: consent keeps every user who opted out since opted out, and names them
(families/consent/rollback.py). The update then runs with every guard as usual.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.record import Content, restore_desired_state, write_desired_state
from ..families import DESIRED_STATE_FILES, FAMILIES, load_desired_state
from .pulumi_cli import PulumiCli, resource_outputs, stack_outputs


@dataclass
class Restoration:
    version: int
    files: dict[str, Content]
    kept_opted_out: dict[str, list[str]] = field(default_factory=dict)  # consent list -> ids
    in_place_of_queries: list[str] = field(default_factory=list)  # what each query returned, as a file

    def describe(self) -> str:
        lines = [f"desired state of version {self.version}: {', '.join(sorted(self.files)) or 'no files'}"]
        lines += [f"in place of a query, what it returned then: {q}" for q in self.in_place_of_queries]
        for name, ids in sorted(self.kept_opted_out.items()):
            shown = ", ".join(ids[:20]) + (f" … (+{len(ids) - 20})" if len(ids) > 20 else "")
            lines.append(f"kept opted out (consent guard, {name}): {len(ids)} user(s): {shown}")
        return "\n".join(lines)


def prepare_rollback(cli: PulumiCli, version: int, schema_dir: Path) -> Restoration:
    old = cli.export(version)
    replaced: list[str] = []
    files = restore_desired_state(
        stack_outputs(old).get("desiredState"), DESIRED_STATE_FILES, old.get("deployment"), replaced
    )
    latest = cli.export()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "stacks" / cli.stack
        write_desired_state(folder, files, DESIRED_STATE_FILES)
        desired = load_desired_state(folder, schema_dir, shown_root=Path(tmp))
    plan = Restoration(version, dict(files), in_place_of_queries=replaced)
    for family in FAMILIES:
        section = desired.of(family)
        if family.rollback is None or section is None:
            continue
        kept, changed = family.rollback(
            section, lambda kind: resource_outputs(latest, f":{kind}"), files, version
        )
        plan.kept_opted_out.update(kept)
        plan.files.update(changed)
    return plan


def apply_rollback_files(plan: Restoration, state_dir: Path) -> list[str]:
    return write_desired_state(state_dir, plan.files, DESIRED_STATE_FILES)
