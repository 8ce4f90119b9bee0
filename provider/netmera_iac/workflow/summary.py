"""A reviewer's summary of `pulumi preview --json`: per resource, which users change and how.

Pulumi shows per-user collections only as a count and a digest (they travel encoded under hidden
`__` keys, engine/codec.py); this hands the preview's steps (old and new checked inputs of every
resource) to the family of each resource type (families/*/summary.py), and shows counts first and at
most N ids per change, plus every guard or policy that fired.
It reads only resource inputs and diagnostics, never the config section, so the stack's secrets
cannot reach a pull-request comment.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine.preview import ResourceChange, Step, one_line
from ..engine.sources import QUERY_LINE
from ..families import BY_TYPE, FAMILIES

SKIPPED_TYPES = ("Stack", "StackManifest")  # short type names
# Refresh steps of `preview --refresh` precede the step that matters for the same resource.
SKIPPED_OPS = ("refresh", "read", "discard")
# Follow-on diagnostics that repeat what an earlier one said.
NOISE = ("Resource monitor has terminated", "preview failed", "update failed", "Program exited with non-zero")


@dataclass
class Summary:
    resources: list[ResourceChange]
    unchanged: int
    problems: list[str]  # guards and policies that fired (error diagnostics and policy violations)
    warnings: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)  # per entry: its source and the rows it returned

    @property
    def changed(self) -> bool:
        return bool(self.resources)


def _inputs(state: Any) -> dict[str, Any]:
    return dict((state or {}).get("inputs") or {})


def _urn_parts(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[2].rsplit(":", 1)[-1], parts[3]


def preview_from_events(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The parts of Pulumi's streamed JSON events (PULUMI_ENABLE_STREAMING_JSON_PREVIEW) we summarise,
    in the shape of `pulumi preview --json` (which leaves out policy violations)."""
    steps: list[dict[str, Any]] = []
    diagnostics: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    for event in events:
        if "resourcePreEvent" in event:
            meta = event["resourcePreEvent"].get("metadata") or {}
            steps.append(
                {
                    "op": meta.get("op"),
                    "urn": meta.get("urn"),
                    "oldState": meta.get("old"),
                    "newState": meta.get("new"),
                }
            )
        elif "diagnosticEvent" in event:
            diag = event["diagnosticEvent"]
            if diag.get("severity") in ("error", "warning") or _is_query_line(diag):
                diagnostics.append({"message": f"{diag.get('prefix', '')}{diag.get('message', '')}",
                                    "severity": diag["severity"], "urn": diag.get("urn")})  # fmt: skip
        elif "policyEvent" in event:
            policies.append(dict(event["policyEvent"]))
    return {"steps": steps, "diagnostics": diagnostics, "policyViolations": policies}


def summarise(preview: Mapping[str, Any]) -> Summary:
    steps: list[Step] = []
    unchanged = 0
    for raw in preview.get("steps") or []:
        kind, name = _urn_parts(str(raw.get("urn", "")))
        if kind in SKIPPED_TYPES or kind.startswith("pulumi:providers"):
            continue
        op = str(raw.get("op"))
        if op in SKIPPED_OPS:
            continue
        if op == "same":
            unchanged += 1
            continue
        steps.append(
            Step(
                op,
                kind,
                name,
                _inputs(raw.get("oldState")),
                _inputs(raw.get("newState")) if op != "delete" else {},
                bool((raw.get("oldState") or {}).get("retainOnDelete")),
            )
        )
    resources: list[ResourceChange] = []
    by_family: dict[str, list[Step]] = defaultdict(list)
    for s in steps:
        if s.type in BY_TYPE:
            by_family[BY_TYPE[s.type].name].append(s)
        else:
            resources.append(one_line(s))
    for family in FAMILIES:
        if by_family[family.name]:
            resources.extend(family.summarise(by_family[family.name]))
    problems, warnings = _diagnostics(preview)
    queries = [
        str(d.get("message", "")).strip().removeprefix(QUERY_LINE)
        for d in preview.get("diagnostics") or []
        if _is_query_line(d)
    ]
    return Summary(sorted(resources, key=lambda r: r.title), unchanged, problems, warnings, queries)


def _is_query_line(diagnostic: Mapping[str, Any]) -> bool:
    """The program's line per query (program.py): which source an entry read, and how many rows."""
    message = str(diagnostic.get("message", "")).strip()
    return diagnostic.get("severity") == "info" and message.startswith(QUERY_LINE)


def _diagnostics(preview: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    warnings: list[str] = []
    for d in preview.get("diagnostics") or []:
        message = str(d.get("message", "")).strip()
        if not message or any(noise in message for noise in NOISE) or _is_query_line(d):
            continue
        (problems if d.get("severity") == "error" else warnings).append(message)
    for v in preview.get("policyViolations") or []:
        level = str(v.get("enforcementLevel", "mandatory"))
        text = f"policy {v.get('policyName', '?')} [{level}]: {str(v.get('message', '')).strip()}"
        (problems if level == "mandatory" else warnings).append(text)
    return problems, warnings


def _shown(ids: Iterable[str], limit: int) -> str:
    items = list(ids)
    shown = ", ".join(f"`{i}`" for i in items[:limit])
    return shown + (f" … and {len(items) - limit} more" if len(items) > limit else "")


def _drift_table(r: ResourceChange, max_ids: int) -> list[str]:
    """Per user what Netmera has and what the desired state says, then (below) what apply would send."""
    rows = ["What Netmera has, against the desired state:", ""]
    rows += ["| user | Netmera has | desired | read back at |", "|---|---|---|---|"]
    rows += [f"| `{d.user}` | {d.has} | {d.wants} | {d.read_at or '—'} |" for d in r.drifted[:max_ids]]
    if len(r.drifted) > max_ids:
        rows.append(f"| … and {len(r.drifted) - max_ids} more | | | |")
    return [*rows, "", "What `apply` would send:"]


def to_markdown(summary: Summary, stack: str, max_ids: int = 20, title: str = "plan") -> str:
    lines = [f"### netmera-iac {title} · stack `{stack}`", ""]
    users = sum(r.users for r in summary.resources)
    silent = [r for r in summary.resources if not r.changes and not r.note]
    if summary.resources and len(silent) == len(summary.resources):
        lines.append(  # e.g. resources created by `adopt` whose live state already matches
            f"**0 user changes**: {len(silent)} resource(s) change in the stack's state only, "
            f"nothing is sent; {summary.unchanged} unchanged."
        )
    elif summary.resources:
        lines.append(
            f"**{len(summary.resources)} resource(s) change, {users} user change(s); "
            f"{summary.unchanged} unchanged.**"
        )
    else:
        lines.append(f"**No changes** ({summary.unchanged} resources unchanged).")
    lines.append(
        f"**{len(summary.problems)} guard(s) or polic(ies) fired: nothing can be applied.**"
        if summary.problems
        else "No guard or policy fired."
    )
    if summary.queries:  # what each query returned now: the users below enter and leave because of it
        lines += ["", "#### Queries read"] + [f"- {q}" for q in summary.queries]
    if summary.resources:
        lines += ["", "| Resource | Step | Users | Changes |", "|---|---|---:|---|"]
        for r in summary.resources:
            counts = ", ".join(f"{c.verb} {len(c.ids)}" for c in r.changes) or r.note or "—"
            lines.append(f"| {r.title} | {r.op} | {r.users} | {counts} |")
        for r in summary.resources:
            lines += ["", f"#### {r.title} ({r.op})"]
            if title == "drift" and r.drifted:
                lines += _drift_table(r, max_ids)
            lines += [f"- **{c.verb} {len(c.ids)} user(s)**: {_shown(c.ids, max_ids)}" for c in r.changes]
            if r.note:
                lines.append(f"- {r.note}")
            elif not r.changes:
                lines.append("- sends nothing")
    if summary.problems:
        lines += ["", "#### Guards and policies that fired"]
        for p in summary.problems:
            lines += ["", "```", p, "```"]
    if summary.warnings:
        lines += ["", "#### Warnings"] + [f"- {w}" for w in summary.warnings]
    return "\n".join(lines) + "\n"


# `pulumi-python:dynamic/netmera:PushConsent resource 'push-users': property consentGuard value {<nil>}
# has a problem: PushConsent 'push-users': …` -> ("PushConsent 'push-users'", "…")
_CHECK_FAILURE = re.compile(
    r"^(?:[\w.-]+:)*(?:[\w-]+/)*(?:\w+:)?(?P<type>\w+) resource '(?P<name>[^']*)': property \w+ value "
    r".*? has a problem: (?P<body>.*)$",
    re.S,
)
_FILE_PROBLEM = re.compile(r"^(?P<file>[^\s:]+\.(?:ya?ml|txt|csv|parquet|json)): (?P<rest>.+)$")


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def problems_by_place(problems: Iterable[str]) -> dict[str, list[str]]:
    """Each problem on one line, grouped by the file (or resource, or policy) it concerns."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        text = problem.strip().removeprefix("error: ").strip()
        if text.startswith("invalid desired state:"):
            # A line ending in ":" heads the file lines after it (a guard naming its people); a line
            # after them says how to fix them, once, under the last file.
            heading, place = "", "desired state"
            for line in text.splitlines()[1:]:
                line = line.strip()
                match = _FILE_PROBLEM.match(line)
                if match:
                    place = match["file"]
                    grouped[place].append(f"{heading}{match['rest']}")
                elif line.endswith(":"):
                    heading = f"{line.split(':', 1)[0]}: "
                elif line:
                    grouped[place].append(f"to fix: {line}" if place != "desired state" else line)
            continue
        check = _CHECK_FAILURE.match(text)
        if check:
            place = f"{check['type']} '{check['name']}'"
            body = check["body"].removeprefix(f"{place}: ")
            grouped[place].append(_one_line(body))
        elif text.startswith("policy "):
            grouped["policy pack"].append(_one_line(text.removeprefix("policy ")))
        elif match := _FILE_PROBLEM.match(text.splitlines()[0]):
            grouped[match["file"]].append(_one_line(match["rest"]))
        else:
            grouped["stack"].append(_one_line(text))
    return dict(grouped)


def refusal(summary: Summary, stack: str, code: int, title: str = "plan") -> str:
    """A refused preview as a reviewer needs it: only the problems, one line each, by file."""
    grouped = problems_by_place(summary.problems)
    count = sum(1 for found in grouped.values() for p in found if not p.startswith("to fix: "))
    lines = [f"netmera-iac {title} · stack `{stack}`: refused, {count} problem(s); nothing can be applied"]
    for place, found in grouped.items():
        lines.append(place)
        lines += [f"  {p}" for p in found]
    lines.append(f"exit {code}")
    return "\n".join(lines)
