"""netmera-iac's policy pack: organisation-wide rules on top of the provider's own guards.

The providers' guards protect one resource at a time; these rules are for the people who own the
Netmera app and want the same limits on every stack, set in one place (policy config) and enforced in
CI with `pulumi preview --policy-pack policy`. They read the checked inputs the providers add for
this purpose (`changedUsers`, the consent lists' `optIns`, `shared`): per-user collections travel
under `__` keys, which Pulumi never passes to a policy pack, so the providers state these facts. The
rules key on those facts, not on resource types, so a new family's resources are covered by stating
them (families/*/resource.py).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

PREFIX = "pulumi-python:dynamic/netmera:"
DEFAULT_CAP = 10_000
CAP_SCHEMA = {"type": "integer", "minimum": 0, "default": DEFAULT_CAP}


def _netmera_type(resource_type: str) -> str | None:
    return resource_type.removeprefix(PREFIX) if resource_type.startswith(PREFIX) else None


# Users changed so far in this run, per resource type. A resource policy sees each resource's checked
# inputs of this run (a stack policy would see stored outputs, stale for unchanged resources).
_changed: dict[str, int] = defaultdict(int)


def cap_users_changed(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    kind = _netmera_type(args.resource_type)
    changed = int(args.props.get("changedUsers") or 0)
    if not kind or not changed:
        return
    cap = int(args.get_config().get("maxUsersChangedPerType", DEFAULT_CAP))
    before = _changed[kind]
    _changed[kind] += changed
    if _changed[kind] > cap:
        report_violation(
            f"{kind}: this update changes {_changed[kind]}{'+' if before > cap else ''} users, above the cap "
            f"of {cap} per resource type and run (policy config maxUsersChangedPerType); "
            f"{args.name} alone changes {changed}. Split the change or raise the cap.",
            None,
        )


def _opt_in_fact(args: ResourceValidationArgs, count_key: str) -> tuple[int, str]:
    """A consent provider's count of this update's opt-ins of one kind, and the first ones named.
    Inputs arrive as read-only proxies, not dicts."""
    if not _netmera_type(args.resource_type):
        return 0, ""
    facts: Any = args.props.get("optIns") or {}
    count = int(facts.get(count_key) or 0)
    ids = [str(i) for i in facts.get(f"{count_key}Ids") or []]
    return count, ", ".join(ids) + (f" … (+{count - len(ids)})" if count > len(ids) else "")


def opt_ins_need_a_source(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    unsourced, shown = _opt_in_fact(args, "withoutSource")
    if unsourced:
        report_violation(
            f"{args.name}: {unsourced} opt-in(s) without a consent source: {shown}. Add "
            "`evidence: {<id>: {source: …, at: …}}` for each.",
            None,
        )


def unknown_holders_need_evidence(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    # An address or number that no link ties to a person: the stack cannot tell whose opt-out this
    # opt-in would override (families/consent/person.py), so only evidence can justify it.
    unheld, shown = _opt_in_fact(args, "unknownHolder")
    if unheld:
        report_violation(
            f"{args.name}: {unheld} opt-in(s) of an address or number whose holder this stack does not "
            f"know: {shown}. Add `evidence` for each, or the holder's address or number in contacts.yaml.",
            None,
        )


def shared_tags_not_owned(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    # Only authoritative tag resources state `shared` (the additive and negative forms are the fix).
    if _netmera_type(args.resource_type) and args.props.get("shared"):
        report_violation(
            f"tag {args.props.get('tag')!r} is marked shared (also managed outside this stack), so it must "
            "not be owned authoritatively: use `assignments`/`exclusions` in tags.yaml instead.",
            None,
        )


PolicyPack(
    name="netmera-iac",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        ResourceValidationPolicy(
            name="netmera-users-changed-per-type",
            description="Caps the users one update changes per Netmera resource type.",
            validate=cap_users_changed,
            config_schema=PolicyConfigSchema(properties={"maxUsersChangedPerType": CAP_SCHEMA}),
        ),
        ResourceValidationPolicy(
            name="netmera-opt-in-needs-consent-source",
            description="Every new push/email/SMS opt-in names where the consent came from.",
            validate=opt_ins_need_a_source,
        ),
        ResourceValidationPolicy(
            name="netmera-unknown-holder-opt-in-needs-evidence",
            description="An opt-in of an address or number of no known person carries evidence.",
            validate=unknown_holders_need_evidence,
        ),
        ResourceValidationPolicy(
            name="netmera-shared-tags-not-authoritative",
            description="Tags marked shared are never managed authoritatively.",
            validate=shared_tags_not_owned,
        ),
    ],
)
