"""WhatsApp: permission by external id or number (`enableWhatsApp` / `disableWhatsApp`), a user's
numbers (`updateWhatsApp` replaces them, `removeWhatsApp` clears them; permission is kept)."""

from __future__ import annotations

from fastapi import Request, Response

from ...models import RemoveContactRequest, UpdateWhatsAppRequest, WhatsAppPermissionRequest
from .. import errors
from ..http import AppId, WriteRoute, add_writes, api_router, body_of, state_of
from .base import StateBase, chunks, placeholders
from .contacts import removing


class WhatsAppState(StateBase):
    """A user may have several numbers; a number belongs to one user (set again, it moves)."""

    def _set_whatsapp_permission(
        self, app: str, ext_ids: list[str] | None, numbers: list[str] | None, permitted: bool
    ) -> None:
        if ext_ids is None and numbers is None:
            raise errors.missing_parameter("extIds")
        with self.store.transaction() as db:
            for chunk in chunks(list(dict.fromkeys(ext_ids or []))):
                db.execute(
                    "UPDATE users SET whatsapp_permitted = ? WHERE app_id = ? "
                    f"AND ext_id IN ({placeholders(len(chunk))})",
                    (int(permitted), app, *chunk),
                )
            for chunk in chunks(list(dict.fromkeys(numbers or []))):
                db.execute(
                    "UPDATE users SET whatsapp_permitted = ? WHERE app_id = ? AND ext_id IN "
                    f"(SELECT ext_id FROM whatsapp_numbers WHERE app_id = ? AND number IN "
                    f"({placeholders(len(chunk))}))",
                    (int(permitted), app, app, *chunk),
                )

    def enable_whats_app(self, app: str, ext_ids: list[str] | None, wp_numbers: list[str] | None) -> None:
        self._set_whatsapp_permission(app, ext_ids, wp_numbers, True)

    def disable_whats_app(self, app: str, ext_ids: list[str] | None, wp_numbers: list[str] | None) -> None:
        self._set_whatsapp_permission(app, ext_ids, wp_numbers, False)

    def update_whats_app(self, app: str, ext_id: str, wp_numbers: list[str]) -> None:
        if not wp_numbers:
            raise errors.missing_parameter("wpNumbers")
        numbers = list(dict.fromkeys(wp_numbers))
        with self.store.transaction() as db:
            if not self._known_users(db, app, [ext_id]):
                return  # an unknown user is ignored, as for every address
            marks = placeholders(len(numbers))
            db.execute(
                f"DELETE FROM whatsapp_numbers WHERE app_id = ? AND number IN ({marks})", (app, *numbers)
            )
            db.execute("DELETE FROM whatsapp_numbers WHERE app_id = ? AND ext_id = ?", (app, ext_id))
            db.executemany(
                "INSERT INTO whatsapp_numbers (app_id, ext_id, number) VALUES (?, ?, ?)",
                [(app, ext_id, n) for n in numbers],
            )

    def remove_whats_app(self, app: str, ext_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM whatsapp_numbers WHERE app_id = ? AND ext_id = ?", (app, ext_id))


router = api_router()
add_writes(
    router,
    WhatsAppState,
    (
        *(
            WriteRoute(
                name,
                WhatsAppPermissionRequest,
                lambda b: (b.ext_ids, b.wp_numbers),
                lambda b: (b.ext_ids or [], b.wp_numbers),
            )
            for name in ("enableWhatsApp", "disableWhatsApp")
        ),
        WriteRoute(
            "updateWhatsApp",
            UpdateWhatsAppRequest,
            lambda b: (b.ext_id, b.wp_numbers),
            lambda b: ([b.ext_id],),
        ),
    ),
)


@router.post("/removeWhatsApp", openapi_extra=body_of(RemoveContactRequest))
async def remove_whats_app(request: Request, app: AppId) -> Response:
    return await removing(request, app, state_of(request, WhatsAppState).remove_whats_app)
