"""One-shot operations kept as desired state: `UserErasure` and `PushApproval`.

Both send each listed item once and never undo anything: taking a user or a message off the list
changes nothing, and deleting the resource changes nothing. Neither can be read back from Netmera,
so refresh keeps the applied state.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ..engine import PartialApplyError, abbreviate, codec, execute_erasure
from ._base import NetmeraProvider, interrupted_ids, interrupted_input, send_journaled
from ._host import PartialApply

CONFIRMATION = "erase these users permanently"
# Untagged to ask which users exist (untagUsers with checkExistence): no user carries it.
EXISTENCE_PROBE_TAG = "netmera-iac-existence-check"


class _OnceProvider(NetmeraProvider):
    """Sends the items of `key` that were not sent before; never undoes."""

    key = "items"
    encoded = False  # whether the items travel as one encoded collection (engine/codec.py)

    def items(self, props: dict[str, Any]) -> list[Any]:
        return list(props.get(self.key) or [])

    def items_input(self, items: list[Any]) -> dict[str, Any]:
        return {self.key: items}

    def _new(self, olds: dict[str, Any], news: dict[str, Any]) -> list[Any]:
        done = set(self.items(olds))
        return [item for item in self.items(news) if item not in done]

    def describe(self, items: list[Any]) -> str:
        raise NotImplementedError

    def send(self, items: list[Any]) -> None:
        raise NotImplementedError

    def failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        return self.config_failures()

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.failures(news)
        if not failures:
            new = self._new(olds, news)
            users = len(new) if self.key == "users" else 0
            news = {**news, "plan": self.describe(new), "changedUsers": users}
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # A legacy (pre-compact) list is rewritten once in the compact form, sending nothing.
        legacy = self.encoded and codec.is_legacy(olds, self.key)
        return DiffResult(changes=bool(self._new(olds, news)) or legacy)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._send_recorded({}, props, self.key)
        return CreateResult(self.key, props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._send_recorded(olds, news)
        # Keep every item ever sent: an item taken off the list must not be sent again if re-added.
        kept = list(dict.fromkeys([*self.items(olds), *self.items(news)]))
        return UpdateResult({**news, **self.items_input(kept)})

    def _send_recorded(
        self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None = None
    ) -> None:
        """Send the new items (erasure overrides this to record a part-way failure)."""
        self.send(self._new(olds, news))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None


class UserErasureProvider(_OnceProvider):
    key = "users"
    encoded = True

    def items(self, props: dict[str, Any]) -> list[Any]:
        return sorted(codec.ids_in(props, self.key))

    def items_input(self, items: list[Any]) -> dict[str, Any]:
        return codec.collection(self.key, codec.encode_ids(items), "users")

    def failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        failures = self.config_failures()
        if news.get("confirm") != CONFIRMATION:
            failures.append(
                CheckFailure("confirm", f"erasure needs `confirm: {CONFIRMATION}` in the desired state")
            )
        return failures

    def describe(self, items: list[Any]) -> str:
        if not items:
            return "erase nobody new"
        return f"erase {len(items)} user(s) permanently: {abbreviate(items, 25)}"

    def send(self, items: list[Any]) -> None:
        if items:
            self.client().delete_users_permanently(items, missing_ok=True)  # already erased counts as done

    def _send_recorded(
        self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None = None
    ) -> None:
        """Erase the new users Netmera knows. Which it does not know is asked first, 1000 per request
        (untagUsers of a tag nobody carries, with `checkExistence`: the API's only batched existence
        read). Unknown users that an interrupted or failed erasure sent (the journal) were erased
        then; any other is reported as not found, not recorded as erased, and fails the update after
        the others are erased, so a typo is seen and fixed."""
        new = self._new(olds, news)
        if not new:
            return
        client = self.client()
        unknown = set(client.untag_users_not_existing(EXISTENCE_PROBE_TAG, new))
        gone = sorted(unknown & interrupted_ids(olds, news))
        not_found = sorted(unknown - set(gone))
        to_erase = [i for i in new if i not in unknown]
        before = [*self.items(olds), *gone]

        def outputs(erased: list[str]) -> dict[str, Any]:
            return {**news, **self.items_input(list(dict.fromkeys([*before, *erased])))}

        def partial(exc: PartialApplyError) -> tuple[dict[str, Any], str, dict[str, Any]]:
            done = sorted(exc.progress.of("deleteUsersPermanently"))
            reason = (
                f"UserErasure: {exc.cause} — {len(done)} of {len(to_erase)} erased and recorded; "
                "the next `pulumi up` sends the rest"
            )
            return outputs(done), reason, {}

        send_journaled(lambda: execute_erasure(client, to_erase), set(to_erase), {}, partial, resource_id)
        if not_found:
            raise PartialApply(
                outputs(to_erase),
                f"UserErasure: {len(not_found)} user(s) not found in Netmera, so not erased: "
                f"{abbreviate(not_found, 10)} — fix erasure.yaml (or remove them if they were erased "
                f"outside this stack); the other {len(to_erase) + len(gone)} are erased and recorded",
                resource_id,
            )


class PushApprovalProvider(_OnceProvider):
    key = "messages"

    def describe(self, items: list[Any]) -> str:
        return (
            f"approve message(s) {', '.join(str(int(i)) for i in items)}" if items else "approve nothing new"
        )

    def send(self, items: list[Any]) -> None:
        if items:
            self.client().send_push_approval([int(i) for i in items])  # ids cross Pulumi as doubles


class UserErasure(Resource, module="netmera", name="UserErasure"):
    """Users erased once with deleteUsersPermanently."""

    def __init__(
        self, name: str, users: tuple[str, ...], confirm: str, interrupted: str | None = None
    ) -> None:
        props = {
            **UserErasureProvider().items_input(list(users)),
            "confirm": confirm,
            **interrupted_input(interrupted),
        }
        super().__init__(UserErasureProvider(), name, props)


class PushApproval(Resource, module="netmera", name="PushApproval"):
    """Push messages approved once with sendPushApproval."""

    def __init__(self, name: str, messages: tuple[int, ...]) -> None:
        super().__init__(PushApprovalProvider(), name, {"messages": list(messages)})
