"""What every Netmera dynamic provider shares: configuration, the client factory, guard inputs.

Pulumi pickles each provider object into the state, so providers hold no client and no secret:
`configure()` runs inside the provider process and reads `netmera:apiKey` (secret stack config) and
`netmera:baseUrl`, with NETMERA_API_KEY / NETMERA_BASE_URL as fallbacks.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pulumi.dynamic import CheckFailure, ConfigureRequest, ResourceProvider

from ..backends import JOURNAL_SETTING, StackJournal
from ..backends import stack_journal as journal_of
from ..client import NetmeraClient, resolve_connection
from ..engine import (
    GuardSettings,
    PartialApplyError,
    Plan,
    codec,
    execute,
)
from ..engine.consent_record import ConsentRecord
from ..engine.journal import Journal, current_backend
from ..engine.preview import ADOPT_LIVE
from ..models import DEFAULT_BASE_URL
from ._host import (
    PartialApply,
    current_urn,
    journal_setting,
    set_journal_setting,
    shared_client,
    watch_engine,
)
from .progress import LiveProgress, failure_report, shown

# The ids (or, for consent, ledger lines) of an interrupted or failed change, found in the stack's
# journal by the program and passed to the resource; taken in once (engine/journal.py).
INTERRUPTED = "interrupted"


def interrupted_input(encoded: str | None) -> dict[str, str]:
    return codec.collection(INTERRUPTED, encoded, "ids") if encoded else {}


def interrupted_is_new(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """From the headers alone: whether `news` carries an interrupted change this resource has not
    taken in yet (once applied, the outputs keep the same value, so it is not taken in twice)."""
    new = codec.props_header(news, INTERRUPTED)
    if new is None or new.count == 0:
        return False
    old = codec.props_header(olds, INTERRUPTED)
    return old is None or old.digest != new.digest


def interrupted_ids(olds: dict[str, Any], news: dict[str, Any]) -> frozenset[str]:
    """The ids of an interrupted change not taken in yet (an id set), else none."""
    return codec.ids_in(news, INTERRUPTED) if interrupted_is_new(olds, news) else frozenset()


def send_journaled(
    send: Callable[[], None],
    ids: set[str],
    entry: dict[str, Any],
    partial: Callable[[PartialApplyError], tuple[dict[str, Any], str, dict[str, Any]]],
    resource_id: str | None,
    plan: Plan | LiveProgress | None = None,
) -> None:
    """Journal `ids` (with `entry`, what the program needs to hand them back), send, and end the entry.
    On a part-way failure `partial` gives (outputs as Netmera now has them, the reason, the entry to
    keep for the next run; see engine/journal.py `Journal.failed`), raised as `PartialApply`. With
    `plan` (or the counts of a family's own plan, as a `LiveProgress`), its progress is the resource's
    status line in Pulumi's display while it is sent."""
    here = served()
    if here:
        here.journal.begin(here.type, here.name, entry, ids)
    progress: LiveProgress | None = None
    try:
        if here and plan is not None:
            with shown(plan) as progress:
                send()
        else:
            send()
    except PartialApplyError as exc:
        outputs, reason, failed_entry = partial(exc)
        if here:  # the one line, which the next run's warning repeats
            here.journal.failed(here.type, here.name, failed_entry, ids, reason)
        raise PartialApply(outputs, failure_report(reason, exc, progress), resource_id) from exc
    if here:
        here.journal.end(here.type, here.name)


def pulumi_home() -> Path:
    return Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")


def netmera_home() -> Path:
    return Path(os.environ.get("NETMERA_IAC_HOME") or Path.home() / ".netmera-iac")


def stack_journal(project: str, stack: str, setting: str | None) -> StackJournal:
    """The write-ahead journal of a stack (engine/journal.py), in the backend the CLI uses for it
    (backends/); the program and every provider open the same one. `setting`: `netmera-iac:journal`."""
    return _opened(current_backend(os.environ, pulumi_home()), setting, netmera_home(), project, stack)


# Opened once per process and place: every change a provider sends is journaled, and opening a bucket
# builds a credential chain (boto3 may read profiles or ask a role) that need not be built again.
_opened = functools.lru_cache(maxsize=8)(journal_of)


@dataclass(frozen=True)
class Served:
    """The resource a provider call serves, from its URN `urn:pulumi:<stack>::<project>::<type>::<name>`."""

    journal: Journal
    type: str
    name: str
    consent: ConsentRecord


def served() -> Served | None:
    """None outside our provider host (resources/host.py), which alone is told the URN."""
    urn = current_urn()
    if not urn or not urn.startswith("urn:pulumi:"):
        return None
    parts = urn.removeprefix("urn:pulumi:").split("::")
    if len(parts) < 4:
        return None
    stack, project, urn_type, name = parts[0], parts[1], parts[2], "::".join(parts[3:])
    opened = stack_journal(project, stack, journal_setting())
    return Served(opened.journal, urn_type.rsplit(":", 1)[-1], name, opened.consent)


def guard_input(settings: GuardSettings) -> dict[str, Any]:
    return {
        "threshold": settings.threshold,
        "minimum": settings.minimum,
        "allowMassChange": settings.allow_mass_change,
        "allowEmpty": settings.allow_empty,
    }


def guard_settings(props: dict[str, Any]) -> GuardSettings:
    raw = props.get("guard") or {}
    return GuardSettings(
        threshold=float(raw.get("threshold", 0.30)),
        minimum=int(raw.get("minimum", 10)),
        allow_mass_change=bool(raw.get("allowMassChange", False)),
        allow_empty=bool(raw.get("allowEmpty", False)),
    )


def legacy_shards(props: dict[str, Any]) -> int:
    """How many shards a resource written before the compact format was one of (1: not sharded)."""
    shard = props.get("shard")
    return int(shard.get("count", 1)) if isinstance(shard, dict) else 1


def legacy_shard_failures(olds: dict[str, Any], resource: str) -> list[CheckFailure]:
    """A resource that was one shard of several cannot be planned alone: the other shards' users are
    only in their own (now removed) resources. The state is merged once, sending nothing."""
    count = legacy_shards(olds)
    if count <= 1:
        return []
    return [
        CheckFailure(
            "shard",
            f"{resource} was applied as {count} shards by an earlier netmera-iac; merge them into one "
            "resource in the stack's state first (sends nothing): `netmera-iac migrate --stack <stack>`, "
            "then preview again",
        )
    ]


def encoded_failure(name: str, props: dict[str, Any]) -> list[CheckFailure]:
    """The hidden value of collection `name` must be there and be an encoded collection."""
    if codec.props_header(props, name) is None:
        return [CheckFailure(name, f"the encoded collection `{codec.hidden(name)}` is missing or unreadable")]
    return []


class Summarised(Protocol):
    def summary(self) -> str: ...

    @property
    def users_changed(self) -> int: ...


def with_plan(news: dict[str, Any], plan: Summarised) -> dict[str, Any]:
    """Add the plan's one-line summary as the `plan` input, so `pulumi preview --diff` shows reviewers
    what will be sent (dynamic providers cannot return a detailed diff), and `changedUsers`, which the
    policy pack caps per run. `diff` ignores both."""
    return {**news, "plan": plan.summary(), "changedUsers": plan.users_changed}


class NetmeraProvider(ResourceProvider):
    """Base of our dynamic providers. Pickled by reference (importable module), holding no state."""

    # Nothing secret is ever captured (the key comes from configure()), so the pickled provider need
    # not be encrypted for every resource; tests check that state never holds the key.
    serialize_as_secret_always = False

    api_key: str | None = None
    base_url: str = DEFAULT_BASE_URL

    def configure(self, req: ConfigureRequest) -> None:
        connection = resolve_connection(req.config.get)
        self.api_key, self.base_url = connection.api_key, connection.base_url
        set_journal_setting(req.config.get(JOURNAL_SETTING))
        watch_engine()

    def send_plan(self, plan: Plan) -> None:
        if not plan.empty:
            execute(self.client(), plan)

    def client(self) -> NetmeraClient:
        """The process-wide client for this configuration (shared caps; not to be closed)."""
        return shared_client(self.api_key, self.base_url)

    def config_failures(self) -> list[CheckFailure]:
        """Checked at preview, so a missing key fails before anything is planned or sent."""
        if not self.api_key:
            return [
                CheckFailure(
                    "netmera:apiKey",
                    "no Netmera API key: run `pulumi config set --secret netmera:apiKey <key>` "
                    "(or set NETMERA_API_KEY)",
                )
            ]
        return []


def adopting(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """`adopt` only matters when the resource is created: it then reads the live state first and sends
    only the differences, so an app already in the desired state is brought under management unchanged."""
    return not olds and bool(news.get("adopt"))


def with_adopt_plan(news: dict[str, Any], plan: Summarised, live: Mapping[str, Any]) -> dict[str, Any]:
    """The plan against the live state read now, and the live values of the users it changes (the
    summary's `adopted_before`); `create` reads again, so what it sends is what differs then."""
    adopted = {**news, "plan": f"adopt: {plan.summary()}", "changedUsers": plan.users_changed}
    return {**adopted, **codec.collection(ADOPT_LIVE, codec.encode_json_map(live), "users")}
