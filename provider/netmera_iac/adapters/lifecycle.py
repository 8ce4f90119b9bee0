"""The lifecycle every converging family's provider fills in: check, diff, create/update, read, delete.

A family's provider supplies hooks only: how its inputs can be wrong (`input_failures`,
`state_failures`), how to plan and guard a change (`planned`, `planned_adopting`), how to send it and
record the outcome (`apply`, through the base's `send_journaled`), what Netmera states now (`observed`)
and what deleting the resource changes (`release`). The order every family keeps lives here once:

- `check`: the configuration, then the inputs, then the state; adopting is planned against the live
  state; an unchanged collection (same digest, nothing interrupted) is settled without decoding
  anything; otherwise the family plans, and its guards' failures fail the preview. The plan's summary
  is what reviewers see (reviewed.py).
- `diff`: a change of an input in `replaced_by` replaces the resource; otherwise `changed` (digests
  by default) says whether there is an update.
- `create` / `update`: `apply` with the old outputs (none when created), returning the new outputs.
  The host may keep the collection in them by reference to the inputs (references.py): `diff`
  reports every change of its digest (`settled` compares them), the other collections (what a
  journal handed back, what is uncertain) come and go between runs without an update.
- `read`: the outputs with what Netmera states now, or kept as they are where nothing can be read
  back, and given back as inputs too, so after a part-way apply the next preview plans from what
  was applied.
- `delete`: `release`; most families change nobody when a resource goes away.

One-shot families (erasure, approvals) send each item once and never converge: once.py is theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from ..engine import Plan, codec
from .interrupted import interrupted_is_new
from .process import keep_by_reference
from .provider import NetmeraProvider, encoded_failure
from .reviewed import Summarised, adopting, with_adopt_plan, with_plan


@dataclass(frozen=True)
class Checked:
    """What a family's planning gives `check`: the plan reviewers see, its guards' failures (then
    nothing else counts), inputs the plan adds (a consent list's expected ledger), and, when adopting,
    the live values of the ids the plan changes."""

    plan: Summarised = field(default_factory=Plan)
    failures: list[CheckFailure] = field(default_factory=list)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    live: Mapping[str, Any] | None = None


class LifecycleProvider(NetmeraProvider):
    """A resource holding one encoded per-user collection that its provider converges Netmera to."""

    # The encoded collection's name (engine/codec.py); a resource of a few plain inputs has none and
    # is planned at every check.
    collection: ClassVar[str | None] = None
    replaced_by: ClassVar[tuple[str, ...]] = ()  # inputs naming what the resource is about

    # -- hooks -------------------------------------------------------------------------------------

    def prepared(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """The inputs as the family checks them (a retiring tag keeps its recorded members)."""
        return news

    def input_failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        """What is wrong with the inputs alone."""
        return []

    def state_failures(self, olds: dict[str, Any], news: dict[str, Any]) -> list[CheckFailure]:
        """What stops planning from valid inputs: a state an earlier version wrote, the app's schema."""
        return []

    def settled(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """Nothing to send, judged by digests and counts only (nothing decoded)."""
        if self.collection is None:
            return False
        return codec.same_collection(olds, news, self.collection) and not interrupted_is_new(olds, news)

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        raise NotImplementedError

    def planned_adopting(self, news: dict[str, Any]) -> Checked:
        """Created by adopting: planned against the live state read now."""
        return Checked(failures=[CheckFailure("adopt", f"{type(self).__name__} cannot adopt")])

    def changed(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """Whether `diff` sees an update (the outputs `olds` against the new inputs)."""
        return not self.settled(olds, news)

    def resource_id(self, props: dict[str, Any]) -> str:
        raise NotImplementedError

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        """Send the change from the outputs `olds` (none when created) and give the new outputs;
        `resource_id` is set when creating (a part-way failure then still names the resource)."""
        raise NotImplementedError

    def observed(self, props: dict[str, Any]) -> dict[str, Any] | None:
        """The outputs with what Netmera states now, or None where nothing can be read back."""
        return None

    def read_inputs(self, outputs: dict[str, Any]) -> dict[str, Any]:
        """The inputs a refresh gives the next check."""
        return outputs

    def release(self, props: dict[str, Any]) -> None:
        """What deleting the resource changes: by default nobody."""
        return None

    # -- the lifecycle -----------------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news = self.prepared(olds, news)
        failures = self.config_failures() + self.input_failures(news)
        if self.collection is not None:
            failures += encoded_failure(self.collection, news)
        if not failures:
            failures = self.state_failures(olds, news)
        if failures:
            return CheckResult(news, failures)
        if adopting(olds, news):
            checked = self.planned_adopting(news)
        elif self.settled(olds, news):
            return CheckResult(with_plan(news, Plan()), [])  # same digest: nothing to decode or send
        else:
            checked = self.planned(olds, news)
        if checked.failures:
            return CheckResult(news, checked.failures)
        if checked.live is None:
            shown = with_plan(news, checked.plan)
        else:
            shown = with_adopt_plan(news, checked.plan, checked.live)
        return CheckResult({**shown, **checked.inputs}, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in self.replaced_by if olds.get(k) != news.get(k)]
        changes = bool(replaces) or self.changed(olds, news)
        return DiffResult(changes=changes, replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        resource_id = self.resource_id(props)
        self._by_reference()
        return CreateResult(resource_id, self.apply({}, props, resource_id))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._by_reference()
        return UpdateResult(self.apply(olds, news, None))

    def _by_reference(self) -> None:
        if self.collection is not None:
            keep_by_reference(codec.hidden(self.collection))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        self._by_reference()
        outputs = self.observed(props)
        outputs = props if outputs is None else outputs
        return ReadResult(id_, outputs, self.read_inputs(outputs))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self.release(props)
