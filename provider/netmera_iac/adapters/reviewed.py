"""What a preview shows reviewers of a resource's change, added to the inputs `check` returns.

Dynamic providers cannot return a detailed diff, so the plan's one-line summary travels as the `plan`
input (`pulumi preview --diff` and `netmera-iac plan` show it) with `changedUsers`, which the policy
pack caps per run; `diff` ignores both. A resource created by adopting is planned against the live
state read at preview, and shows that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..engine import codec
from ..engine.preview import ADOPT_LIVE


class Summarised(Protocol):
    def summary(self) -> str: ...

    @property
    def users_changed(self) -> int: ...


def with_plan(news: dict[str, Any], plan: Summarised) -> dict[str, Any]:
    return {**news, "plan": plan.summary(), "changedUsers": plan.users_changed}


def adopting(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """`adopt` only matters when the resource is created: it then reads the live state first and sends
    only the differences, so an app already in the desired state is brought under management unchanged."""
    return not olds and bool(news.get("adopt"))


def with_adopt_plan(news: dict[str, Any], plan: Summarised, live: Mapping[str, Any]) -> dict[str, Any]:
    """The plan against the live state read now, and the live values of the users it changes (the
    summary's `adopted_before`); `create` reads again, so what it sends is what differs then."""
    adopted = {**news, "plan": f"adopt: {plan.summary()}", "changedUsers": plan.users_changed}
    return {**adopted, **codec.collection(ADOPT_LIVE, codec.encode_json_map(live), "users")}
