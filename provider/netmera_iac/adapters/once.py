"""One-shot resources (erasure, push approvals): each listed item is sent once, nothing is undone.

Taking an item off the list changes nothing, and deleting the resource changes nothing. Neither can be
read back from Netmera, so refresh keeps the applied state.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, UpdateResult

from ..engine import codec
from .provider import NetmeraProvider


class OnceProvider(NetmeraProvider):
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
