"""A reviewer's summary of `pulumi preview --json`: per resource, which users change and how.

Pulumi shows per-user collections only as a count and a digest (they travel encoded under hidden
`__` keys, engine/codec.py); this decodes the preview's steps (old and new checked inputs of every
resource) into counts first and at most N ids per change, plus every guard or policy that fired.
It reads only resource inputs and diagnostics, never the config section, so the stack's secrets
cannot reach a pull-request comment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine import codec, ledger_from_wire

SKIPPED_TYPES = ("Stack", "StackManifest")  # short type names
# Refresh steps of `preview --refresh` precede the step that matters for the same resource.
SKIPPED_OPS = ("refresh", "read", "discard")
# Follow-on diagnostics that repeat what an earlier one said.
NOISE = ("Resource monitor has terminated", "preview failed", "update failed", "Program exited with non-zero")


@dataclass
class Change:
    verb: str  # "tag", "untag", "opt in", "set loyaltyTier", …
    ids: list[str]


@dataclass
class ResourceChange:
    title: str
    op: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""

    @property
    def users(self) -> int:
        return len({i for c in self.changes for i in c.ids})


@dataclass
class Summary:
    resources: list[ResourceChange]
    unchanged: int
    problems: list[str]  # guards and policies that fired (error diagnostics and policy violations)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.resources)


def _inputs(state: Any) -> dict[str, Any]:
    return dict((state or {}).get("inputs") or {})


def _ids(props: Mapping[str, Any], name: str) -> set[str]:
    return set(codec.ids_in(props, name))


def _fresh_interrupted(step: _Step) -> set[str]:
    """The ids of an interrupted or failed change handed to the resource, unless already taken in."""
    new, old = codec.props_header(step.new, "interrupted"), codec.props_header(step.old, "interrupted")
    if new is None or (old is not None and old.digest == new.digest):
        return set()
    return _ids(step.new, "interrupted")


def _urn_parts(urn: str) -> tuple[str, str]:
    parts = urn.split("::")
    return parts[2].rsplit(":", 1)[-1], parts[3]


@dataclass
class _Step:
    op: str
    type: str
    name: str
    old: dict[str, Any]
    new: dict[str, Any]
    retained: bool


def _states(props: Mapping[str, Any], name: str) -> dict[str, str]:
    return codec.str_map_in(props, name)


def _ledger_states(props: Mapping[str, Any]) -> dict[str, str]:
    return {k: record.state for k, record in ledger_from_wire(codec.str_map_in(props, "ledger")).items()}


def _flips(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    ins = sorted(i for i, s in new.items() if s == "opted_in" and old.get(i) != "opted_in")
    outs = sorted(i for i, s in new.items() if s == "opted_out" and old.get(i) != "opted_out")
    return [c for c in (Change("opt in", ins), Change("opt out", outs)) if c.ids]


def _tags(steps: list[_Step]) -> list[ResourceChange]:
    """Resources of one tag are combined (stacks applied by earlier versions split a tag in shards)."""
    by_tag: dict[str, list[_Step]] = defaultdict(list)
    for s in steps:
        by_tag[str(s.new.get("tag") or s.old.get("tag"))].append(s)
    result = []
    for tag, group in sorted(by_tag.items()):
        old: set[str] = set().union(*(_ids(s.old, "members") for s in group))
        new: set[str] = set().union(*(_ids(s.new, "members") if s.op != "delete" else set() for s in group))
        kept: set[str] = set().union(
            *(_ids(s.old, "members") for s in group if s.op == "delete" and s.retained)
        )
        change = ResourceChange(f"tag `{tag}`", _op(group))
        # Ids a failed or interrupted apply may have changed are sent again as the desired state says.
        unsure = set().union(*(_ids(s.old, "uncertain") | _fresh_interrupted(s) for s in group))
        unsure -= (new - old) | (old - new)
        change.changes = [
            c
            for c in (
                Change("tag", sorted(new - old)),
                Change("untag", sorted(old - new - kept)),
                Change("tag again", sorted(unsure & new)),
                Change("untag again", sorted(unsure - new)),
            )
            if c.ids
        ]
        if kept:
            change.note = f"{len(kept)} user(s) stay tagged: the resource is retained on delete"
        result.append(change)
    return result


def _op(group: list[_Step]) -> str:
    ops = sorted({s.op for s in group})
    return ops[0] if len(ops) == 1 else "+".join(ops)


def _tag_list(verb: str) -> Callable[[_Step], ResourceChange]:
    def describe(s: _Step) -> ResourceChange:
        tag = s.new.get("tag") or s.old.get("tag")
        change = ResourceChange(f"tag `{tag}` ({'additive' if verb == 'tag' else 'exclusion'})", s.op)
        new = _ids(s.new, "members") - _ids(s.old, "members")
        change.changes = [Change(verb, sorted(new))] if new else []
        return change

    return describe


def _category(s: _Step) -> ResourceChange:
    inputs = s.new or s.old
    target = f"{inputs.get('category')}" + (f"/{inputs['channel']}" if inputs.get("channel") else "")
    change = ResourceChange(f"category `{target}`", s.op)
    change.changes = _flips(_states(s.old, "preferences"), _states(s.new, "preferences"))
    return change


def _consent(s: _Step) -> ResourceChange:
    inputs = s.new or s.old
    channel = s.type.removesuffix("Consent").lower()
    change = ResourceChange(f"{channel} permission `{s.name}` (by {inputs.get('addressing')})", s.op)
    change.changes = _flips(_ledger_states(s.old), _ledger_states(s.new))
    return change


def _profiles(steps: list[_Step]) -> list[ResourceChange]:
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for s in steps:
        old.update(codec.json_map_in(s.old, "profiles"))
        if s.op != "delete":
            new.update(codec.json_map_in(s.new, "profiles"))
    per_attribute: dict[str, list[str]] = defaultdict(list)
    for user in sorted(set(old) | set(new)):
        before, after = dict(old.get(user) or {}), dict(new.get(user) or {})
        for attr in sorted(set(before) | set(after)):
            if attr not in after or after[attr] is None:
                if before.get(attr) is not None:
                    per_attribute[f"unset {attr}"].append(user)
            elif before.get(attr) != after[attr]:
                per_attribute[f"set {attr}"].append(user)
    change = ResourceChange("profile attributes", _op(steps))
    change.changes = [Change(verb, ids) for verb, ids in sorted(per_attribute.items())]
    return [change]


def _contacts(s: _Step) -> ResourceChange:
    old, new = codec.json_map_in(s.old, "contacts"), codec.json_map_in(s.new, "contacts")
    emails, numbers = [], []
    for user, want in sorted(new.items()):
        have = old.get(user) or {}
        if "email" in want and want["email"] != have.get("email"):
            emails.append(user)
        if "msisdn" in want and want["msisdn"] != have.get("msisdn"):
            numbers.append(user)
    change = ResourceChange("contact addresses", s.op)
    change.changes = [c for c in (Change("update email", emails), Change("update MSISDN", numbers)) if c.ids]
    cleared = [u for u in numbers if new[u].get("msisdn") == ""]
    if cleared:
        change.note = f"clearing the MSISDN of {len(cleared)} user(s) resets their SMS permission"
    return change


def _generic(s: _Step) -> ResourceChange:
    return ResourceChange(f"{s.type} `{s.name}`", s.op, note=str(s.new.get("plan") or ""))


SINGLE: dict[str, Callable[[_Step], ResourceChange]] = {
    "TagAssignment": _tag_list("tag"),
    "TagExclusion": _tag_list("untag"),
    "CategoryPreferences": _category,
    "PushConsent": _consent,
    "EmailConsent": _consent,
    "SmsConsent": _consent,
    "ContactInfo": _contacts,
}
GROUPED: dict[str, Callable[[list[_Step]], list[ResourceChange]]] = {
    "TagMembership": _tags,
    "ProfileAttributes": _profiles,
}
NOBODY_ON_DELETE = {
    *("TagAssignment", "TagExclusion", "CategoryPreferences", "ContactInfo", "UserErasure"),
    *("PushApproval", "ProfileArrayValues", "PushConsent", "EmailConsent", "SmsConsent"),
}


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
            if diag.get("severity") in ("error", "warning"):
                diagnostics.append({"message": f"{diag.get('prefix', '')}{diag.get('message', '')}",
                                    "severity": diag["severity"], "urn": diag.get("urn")})  # fmt: skip
        elif "policyEvent" in event:
            policies.append(dict(event["policyEvent"]))
    return {"steps": steps, "diagnostics": diagnostics, "policyViolations": policies}


def summarise(preview: Mapping[str, Any]) -> Summary:
    steps: list[_Step] = []
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
            _Step(
                op,
                kind,
                name,
                _inputs(raw.get("oldState")),
                _inputs(raw.get("newState")) if op != "delete" else {},
                bool((raw.get("oldState") or {}).get("retainOnDelete")),
            )
        )
    resources: list[ResourceChange] = []
    grouped: dict[str, list[_Step]] = defaultdict(list)
    for s in steps:
        if s.op == "delete" and s.type in NOBODY_ON_DELETE:
            resources.append(
                ResourceChange(f"{s.type} `{s.name}`", s.op, note="no longer managed; changes nobody")
            )
        elif s.type in GROUPED:
            grouped[s.type].append(s)
        else:
            resources.append(SINGLE.get(s.type, _generic)(s))
    for kind, group in grouped.items():
        resources.extend(GROUPED[kind](group))
    problems, warnings = _diagnostics(preview)
    return Summary(sorted(resources, key=lambda r: r.title), unchanged, problems, warnings)


def _diagnostics(preview: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    warnings: list[str] = []
    for d in preview.get("diagnostics") or []:
        message = str(d.get("message", "")).strip()
        if not message or any(noise in message for noise in NOISE):
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


def to_markdown(summary: Summary, stack: str, max_ids: int = 20, title: str = "plan") -> str:
    lines = [f"### netmera-iac {title} · stack `{stack}`", ""]
    users = sum(r.users for r in summary.resources)
    if summary.resources:
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
    if summary.resources:
        lines += ["", "| Resource | Step | Users | Changes |", "|---|---|---:|---|"]
        for r in summary.resources:
            counts = ", ".join(f"{c.verb} {len(c.ids)}" for c in r.changes) or r.note or "—"
            lines.append(f"| {r.title} | {r.op} | {r.users} | {counts} |")
        for r in summary.resources:
            lines += ["", f"#### {r.title} ({r.op})"]
            lines += [f"- **{c.verb} {len(c.ids)} user(s)**: {_shown(c.ids, max_ids)}" for c in r.changes]
            if r.note:
                lines.append(f"- {r.note}")
    if summary.problems:
        lines += ["", "#### Guards and policies that fired"]
        for p in summary.problems:
            lines += ["", "```", p, "```"]
    if summary.warnings:
        lines += ["", "#### Warnings"] + [f"- {w}" for w in summary.warnings]
    return "\n".join(lines) + "\n"
