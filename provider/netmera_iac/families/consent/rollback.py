"""Rollback of the consent section: users who opted out since the restored version stay opted out.

"Revert the commit and `pulumi up`" would re-opt-in users who opted out after that commit. So before
anything is applied, the consent guard runs per person (person.py) against the stack's *current*
ledgers, all lists of a channel together, with the links of the restored contacts.yaml: every entry
it would block is moved to opted_out in the restored consent.yaml (or its list files), and named. An
opt-out by external id thus keeps the person's address opted out too. (The update that follows is
judged again against the stack's consent record, which also remembers lists since removed.)
"""

from __future__ import annotations

from typing import Any

import yaml

from ...engine import OPTED_IN
from ...engine.consent_record import linked, person_guard
from ...engine.family import Kept, Outputs
from ...engine.idfile import file_reference
from ...engine.record import Content
from ...engine.tables import DEFAULT_COLUMN, id_table_content, is_table, table_ids
from ..contacts.desired import FILE as CONTACTS_FILE
from .desired import FILE, LIST_NAMES, TYPES, ConsentSection, consent_list_name
from .person import contact_links, ledger_lines, wanted


def rollback(spec: ConsentSection, outputs: Outputs, files: dict[str, Content], version: int) -> Kept:
    """The ids kept opted out per list, and the restored files that change for it."""
    lines = ledger_lines((kind, props) for kind in TYPES.values() for props in outputs(kind).values())
    contacts = (yaml.safe_load(str(files.get(CONTACTS_FILE) or "")) or {}).get("users") or {}
    links = linked({}, contact_links(contacts))
    found: dict[str, list[str]] = {}
    for channel in TYPES:
        lists = [c for c in spec.lists if c.channel == channel]
        for b in person_guard(wanted(lists), lines.get(channel, {}), links):
            name = next(c.name for c in lists if c.source == b.wanted.source)
            found.setdefault(name, []).append(b.wanted.shown)
    blocked = {name: sorted(ids) for name, ids in found.items()}
    return blocked, (_keep_opted_out(files, blocked, version) if blocked else {})


def _without(files: dict[str, Content], given: Any, ids: set[str]) -> tuple[str, Content]:
    """A list file (text or table) with `ids` taken out."""
    path, column = file_reference(given)
    if is_table(path):
        kept = [i for i in table_ids(path, files[path], column) if i not in ids]
        return path, id_table_content(path, kept, column or DEFAULT_COLUMN)
    return path, "".join(f"{line}\n" for line in str(files[path]).splitlines() if line.strip() not in ids)


def _with(files: dict[str, Content], given: Any, ids: set[str]) -> tuple[str, Content]:
    """A list file (text or table) with `ids` added at its end."""
    path, column = file_reference(given)
    if is_table(path):
        listed = table_ids(path, files[path], column)
        return path, id_table_content(path, [*listed, *sorted(ids - set(listed))], column or DEFAULT_COLUMN)
    return path, str(files[path]).rstrip("\n") + "\n" + "".join(f"{i}\n" for i in sorted(ids))


def _keep_opted_out(
    files: dict[str, Content], blocked: dict[str, list[str]], version: int
) -> dict[str, Content]:
    """consent.yaml (and the list files it names) with every blocked id moved from opted_in to
    opted_out; returns the files that changed."""
    document: dict[str, Any] = yaml.safe_load(str(files[FILE])) or {}
    changed: dict[str, Content] = {}
    for (channel, addressing), key in LIST_NAMES.items():
        ids = set(blocked.get(consent_list_name(channel, addressing), []))
        entry = (document.get(channel) or {}).get(key)
        if not ids or entry is None:
            continue
        if "opted_in_file" in entry:
            path, content = _without(files, entry["opted_in_file"], ids)
            changed[path] = content
        else:
            entry[OPTED_IN] = [i for i in entry.get(OPTED_IN, []) if i not in ids]
        if "opted_out_file" in entry:
            path, content = _with(files, entry["opted_out_file"], ids)
            changed[path] = content
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
