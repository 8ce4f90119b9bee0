"""One-shot operations kept as desired state: `UserErasure` and `PushApproval`.

Both send each listed item once and never undo anything: taking a user or a message off the list
changes nothing, and deleting the resource changes nothing. Neither can be read back from Netmera,
so refresh keeps the applied state.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ..engine import abbreviate
from ._base import NetmeraProvider

CONFIRMATION = "erase these users permanently"


def _new(olds: dict[str, Any], news: dict[str, Any], key: str) -> list[Any]:
    done = set(olds.get(key) or [])
    return [item for item in news.get(key) or [] if item not in done]


class _OnceProvider(NetmeraProvider):
    """Sends the items of `key` that were not sent before; never undoes."""

    key = "items"

    def describe(self, items: list[Any]) -> str:
        raise NotImplementedError

    def send(self, items: list[Any]) -> None:
        raise NotImplementedError

    def failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        return self.config_failures()

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.failures(news)
        if not failures:
            new = _new(olds, news, self.key)
            users = len(new) if self.key == "users" else 0
            news = {**news, "plan": self.describe(new), "changedUsers": users}
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=bool(_new(olds, news, self.key)))

    def create(self, props: dict[str, Any]) -> CreateResult:
        self.send(_new({}, props, self.key))
        return CreateResult(self.key, props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.send(_new(olds, news, self.key))
        # Keep every item ever sent: an item taken off the list must not be sent again if re-added.
        kept = list(dict.fromkeys([*(olds.get(self.key) or []), *(news.get(self.key) or [])]))
        return UpdateResult({**news, self.key: kept})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None


class UserErasureProvider(_OnceProvider):
    key = "users"

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

    def __init__(self, name: str, users: tuple[str, ...], confirm: str) -> None:
        super().__init__(UserErasureProvider(), name, {"users": list(users), "confirm": confirm})


class PushApproval(Resource, module="netmera", name="PushApproval"):
    """Push messages approved once with sendPushApproval."""

    def __init__(self, name: str, messages: tuple[int, ...]) -> None:
        super().__init__(PushApprovalProvider(), name, {"messages": list(messages)})
