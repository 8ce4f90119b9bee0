"""`UserErasure`: users erased permanently, once each, with deleteUsersPermanently.

Taking a user off the list changes nothing, and deleting the resource changes nothing; erasure cannot
be read back, so refresh keeps the applied state (adapters/once.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi.dynamic import CheckFailure, Resource

from ...adapters.existence import unknown_ids
from ...adapters.interrupted import interrupted_ids, interrupted_input
from ...adapters.once import OnceProvider
from ...adapters.process import PartialApply
from ...client import NetmeraClient
from ...engine import PartialApplyError, Plan, abbreviate, codec, execute
from ...engine.plan import Operation

CONFIRMATION = "erase these users permanently"


@dataclass(frozen=True)
class EraseUsers(Operation):
    """deleteUsersPermanently (1000 per request); an already-erased id counts as done."""

    def send(self, client: NetmeraClient) -> int:
        return client.delete_users_permanently(self.ids, missing_ok=True).requests


def erasure_plan(ext_ids: list[str]) -> Plan:
    return Plan((EraseUsers("deleteUsersPermanently", "users", tuple(ext_ids)),) if ext_ids else ())


class UserErasureProvider(OnceProvider):
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
        execute(self.client(), erasure_plan(items))

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
        unknown = set(unknown_ids(client, new))
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

        self.send_journaled(erasure_plan(to_erase), set(to_erase), {}, partial, resource_id)
        if not_found:
            raise PartialApply(
                outputs(to_erase),
                f"UserErasure: {len(not_found)} user(s) not found in Netmera, so not erased: "
                f"{abbreviate(not_found, 10)} — fix erasure.yaml (or remove them if they were erased "
                f"outside this stack); the other {len(to_erase) + len(gone)} are erased and recorded",
                resource_id,
            )


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
