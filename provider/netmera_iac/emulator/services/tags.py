"""`tagUsers` / `untagUsers` (with `checkExistence`), and the test-only reads of tags."""

from __future__ import annotations

from fastapi import Request, Response
from fastapi.responses import JSONResponse

from ...models import (
    TagUsersRequest,
    UntagUsersRequest,
    UntagUsersResponse,
)
from ..http import (
    EMPTY,
    AppId,
    WriteRoute,
    add_writes,
    api_router,
    body_of,
    call,
    limit_ids,
    parse,
    state_of,
)
from .base import StateBase


class TagsState(StateBase):
    """Tagging an unknown user is a silent no-op; only `checkExistence` names them."""

    def tag_users(self, app: str, tags: list[str], ext_ids: list[str]) -> None:
        with self.store.transaction() as db:
            known = self._known_users(db, app, ext_ids)
            db.executemany(
                "INSERT OR IGNORE INTO user_tags (app_id, tag, ext_id) VALUES (?, ?, ?)",
                [(app, tag, ext_id) for tag in tags for ext_id in known],
            )

    def untag_users(self, app: str, tags: list[str], ext_ids: list[str]) -> list[str]:
        """Returns the ids the app does not know (answered only with `checkExistence`)."""
        with self.store.transaction() as db:
            db.executemany(
                "DELETE FROM user_tags WHERE app_id = ? AND tag = ? AND ext_id = ?",
                [(app, tag, ext_id) for tag in tags for ext_id in dict.fromkeys(ext_ids)],
            )
            known = set(self._known_users(db, app, ext_ids))
        return [i for i in dict.fromkeys(ext_ids) if i not in known]

    def tags_of_user(self, app: str, ext_id: str) -> list[str]:
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT tag FROM user_tags WHERE app_id = ? AND ext_id = ? ORDER BY tag", (app, ext_id)
            ).fetchall()
        return [r["tag"] for r in rows]

    def users_of_tag(self, app: str, tag: str) -> list[str]:
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT ext_id FROM user_tags WHERE app_id = ? AND tag = ? ORDER BY ext_id", (app, tag)
            ).fetchall()
        return [r["ext_id"] for r in rows]


router = api_router()
add_writes(
    router,
    TagsState,
    (WriteRoute("tagUsers", TagUsersRequest, lambda b: (b.tags(), b.ext_ids), lambda b: (b.ext_ids,)),),
)


@router.post("/untagUsers", openapi_extra=body_of(UntagUsersRequest))
async def untag_users(request: Request, app: AppId) -> Response:
    body = await parse(request, UntagUsersRequest)
    limit_ids(request, body.ext_ids)
    unknown = await call(state_of(request, TagsState).untag_users, app, body.tags(), body.ext_ids)
    if body.check_existence:
        return JSONResponse(UntagUsersResponse(not_exist=unknown).to_wire())
    return EMPTY
