"""`deleteUsersPermanently`: erasing users and everything that refers to them."""

from __future__ import annotations

from ...models import (
    DeleteUsersRequest,
)
from .. import errors
from ..http import (
    WriteRoute,
    add_writes,
    api_router,
)
from .base import StateBase, chunks, placeholders

# Every table that refers to a user by external id: erasure removes the user from each.
USER_TABLES = ("users", "user_tags", "category_prefs", "devices", "segment_members", "whatsapp_numbers")


class UsersState(StateBase):
    """Erasure fails the whole request for one unknown user: nothing is deleted then."""

    def delete_users_permanently(self, app: str, ext_ids: list[str]) -> None:
        with self.store.transaction() as db:
            known = set(self._known_users(db, app, ext_ids))
            for ext_id in ext_ids:
                if ext_id not in known:
                    # Fails the whole request: nothing is deleted (netmera-api.md §2, §4).
                    raise errors.user_not_found(ext_id)
            for chunk in chunks(sorted(known)):
                marks = placeholders(len(chunk))
                for table in USER_TABLES:
                    db.execute(f"DELETE FROM {table} WHERE app_id = ? AND ext_id IN ({marks})", (app, *chunk))


router = api_router()
add_writes(
    router,
    UsersState,
    (
        WriteRoute(
            "deleteUsersPermanently", DeleteUsersRequest, lambda b: (b.ext_ids,), lambda b: (b.ext_ids,)
        ),
    ),
)
