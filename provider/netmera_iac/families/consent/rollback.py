"""Rollback of the consent section: users who opted out since the restored version stay opted out.

"Revert the commit and `pulumi up`" would re-opt-in users who opted out after that commit. So before
anything is applied, the consent guard runs against the stack's *current* ledgers, and every user it
would block is moved to opted_out in the restored consent.yaml (or its list files), and named.
"""

from __future__ import annotations

from typing import Any

import yaml

from ...engine import OPTED_IN, codec
from ...engine.family import Kept, Outputs
from .desired import FILE, LIST_NAMES, TYPES, ConsentSpec, consent_list_name
from .ledger import consent_guard, ledger_from_wire


def rollback(spec: ConsentSpec, outputs: Outputs, files: dict[str, str], version: int) -> Kept:
    """The ids kept opted out per list, and the restored files that change for it."""
    ledgers = {
        name: ledger_from_wire(codec.str_map_in(props, "ledger"))
        for kind in TYPES.values()
        for name, props in outputs(kind).items()
    }
    blocked = {
        c.name: [b.ext_id for b in consent_guard(c.consents, ledgers.get(c.name, {}), c.evidence)]
        for c in spec.lists
    }
    blocked = {name: ids for name, ids in blocked.items() if ids}
    return blocked, (_keep_opted_out(files, blocked, version) if blocked else {})


def _keep_opted_out(files: dict[str, str], blocked: dict[str, list[str]], version: int) -> dict[str, str]:
    """consent.yaml (and the list files it names) with every blocked id moved from opted_in to
    opted_out; returns the files that changed."""
    document: dict[str, Any] = yaml.safe_load(files[FILE]) or {}
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
    changed[FILE] = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return changed
