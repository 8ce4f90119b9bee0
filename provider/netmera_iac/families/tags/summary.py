"""Tags in `netmera-iac plan`: who is tagged and untagged, and who is sent again after a failure."""

from __future__ import annotations

from collections import defaultdict

from ...engine.preview import Change, ResourceChange, Step, combined_op, fresh_interrupted, ids, unmanaged
from .desired import ASSIGNMENT, MEMBERSHIP


def _memberships(steps: list[Step]) -> list[ResourceChange]:
    """Resources of one tag are combined (stacks applied by earlier versions split a tag in shards)."""
    by_tag: dict[str, list[Step]] = defaultdict(list)
    for s in steps:
        by_tag[str(s.new.get("tag") or s.old.get("tag"))].append(s)
    result = []
    for tag, group in sorted(by_tag.items()):
        old: set[str] = set().union(*(ids(s.old, "members") for s in group))
        new: set[str] = set().union(*(ids(s.new, "members") if s.op != "delete" else set() for s in group))
        kept: set[str] = set().union(
            *(ids(s.old, "members") for s in group if s.op == "delete" and s.retained)
        )
        change = ResourceChange(f"tag `{tag}`", combined_op(group))
        # Ids a failed or interrupted apply may have changed are sent again as the desired state says.
        unsure = set().union(*(ids(s.old, "uncertain") | fresh_interrupted(s) for s in group))
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


def _tag_list(s: Step) -> ResourceChange:
    verb = "tag" if s.type == ASSIGNMENT else "untag"
    tag = s.new.get("tag") or s.old.get("tag")
    change = ResourceChange(f"tag `{tag}` ({'additive' if verb == 'tag' else 'exclusion'})", s.op)
    new = ids(s.new, "members") - ids(s.old, "members")
    change.changes = [Change(verb, sorted(new))] if new else []
    return change


def summarise(steps: list[Step]) -> list[ResourceChange]:
    memberships = [s for s in steps if s.type == MEMBERSHIP]
    lists = [s for s in steps if s.type != MEMBERSHIP]
    result = _memberships(memberships) if memberships else []
    return result + [unmanaged(s) if s.op == "delete" else _tag_list(s) for s in lists]
