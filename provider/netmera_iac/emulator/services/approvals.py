"""`sendPushApproval`, and the test-only read of a message's approval."""

from __future__ import annotations

from ...models import (
    PushApprovalEntry,
)
from .. import errors
from ..http import (
    WriteRoute,
    add_writes,
    api_router,
)
from .base import StateBase


class ApprovalsState(StateBase):
    """An unknown message fails the whole request."""

    def send_push_approval(self, app: str, message_ids: list[int]) -> None:
        with self.store.transaction() as db:
            for message_id in message_ids:
                row = db.execute(
                    "SELECT 1 FROM messages WHERE app_id = ? AND message_id = ?", (app, message_id)
                ).fetchone()
                if row is None:
                    raise errors.message_not_found(message_id)
            db.executemany(
                "UPDATE messages SET approved = 1 WHERE app_id = ? AND message_id = ?",
                [(app, m) for m in message_ids],
            )

    def message_approved(self, app: str, message_id: int) -> bool | None:
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT approved FROM messages WHERE app_id = ? AND message_id = ?", (app, message_id)
            ).fetchone()
        return None if row is None else bool(row["approved"])


router = api_router()
add_writes(
    router,
    ApprovalsState,
    (
        WriteRoute(
            "sendPushApproval", PushApprovalEntry, lambda body: ([e.message_id for e in body],), listed=True
        ),
    ),
)
