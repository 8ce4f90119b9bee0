"""`sendPushApproval`, and the test-only read of a message's approval."""

from __future__ import annotations

from fastapi import Request, Response

from ...models import (
    PushApprovalEntry,
)
from .. import errors
from ..http import (
    EMPTY,
    AppId,
    api_router,
    body_of,
    call,
    parse_list,
    state_of,
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


@router.post("/sendPushApproval", openapi_extra=body_of(list[PushApprovalEntry]))
async def send_push_approval(request: Request, app: AppId) -> Response:
    body = await parse_list(request, PushApprovalEntry)
    await call(state_of(request, ApprovalsState).send_push_approval, app, [e.message_id for e in body])
    return EMPTY
