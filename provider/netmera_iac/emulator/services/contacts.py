"""Email and SMS: permission by id or address (`enableMail`, `disableSms`, …), the addresses
(`updateEmail` / `updateMsisdn`, `removeEmail` / `removeMsisdn`), addresses new to the app
(`addEmail` / `addMsisdn`: device-less users without an external id), and the test-only reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from fastapi.responses import PlainTextResponse

from ...models import (
    AddEmailRequest,
    AddMsisdnRequest,
    MailPermissionRequest,
    RemoveContactRequest,
    SmsPermissionRequest,
    UpdateEmailRequest,
    UpdateMsisdnRequest,
)
from .. import errors
from ..http import (
    EMPTY,
    AppId,
    WriteRoute,
    add_writes,
    api_router,
    body_of,
    call,
    limit_ids,
    raw_json,
    state_of,
)
from .base import StateBase, chunks, placeholders

# Loose on purpose: Netmera rejects what is clearly not an address, not every RFC corner case.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHANNEL_OF = {"email_permitted": "email", "sms_permitted": "sms"}
# remove* without an external id: Netmera answers in plain text, not its JSON error (netmera-api.md §2).
NO_EXTERNAL_ID = "Please provide an external id."


class ContactsState(StateBase):
    """Several users may share an address or number: permission changes reach all."""

    def _set_permission(
        self,
        app: str,
        column: str,
        contact_column: str,
        ext_ids: list[str] | None,
        contacts: list[str] | None,
        permitted: bool,
    ) -> None:
        if ext_ids is None and contacts is None:
            raise errors.missing_parameter("extIds")
        channel = CHANNEL_OF[column]
        with self.store.transaction() as db:
            for chunk in chunks(list(dict.fromkeys(ext_ids or []))):
                db.execute(
                    f"UPDATE users SET {column} = ? WHERE app_id = ? "
                    f"AND ext_id IN ({placeholders(len(chunk))})",
                    (int(permitted), app, *chunk),
                )
            # Several users may share one address; all of them change (netmera-api.md §4).
            for chunk in chunks(list(dict.fromkeys(contacts or []))):
                db.execute(
                    f"UPDATE users SET {column} = ? WHERE app_id = ? "
                    f"AND {contact_column} IN ({placeholders(len(chunk))})",
                    (int(permitted), app, *chunk),
                )
                db.execute(
                    "UPDATE anonymous_contacts SET permitted = ? WHERE app_id = ? AND channel = ? "
                    f"AND address IN ({placeholders(len(chunk))})",
                    (int(permitted), app, channel, *chunk),
                )

    @staticmethod
    def _check_addresses(addresses: list[str] | None) -> None:
        for address in addresses or []:
            if not EMAIL_RE.match(address):
                raise errors.invalid_address(address)  # one bad address fails the whole request

    def enable_mail(self, app: str, ext_ids: list[str] | None, email_list: list[str] | None) -> None:
        self._check_addresses(email_list)
        self._set_permission(app, "email_permitted", "email", ext_ids, email_list, True)

    def disable_mail(self, app: str, ext_ids: list[str] | None, email_list: list[str] | None) -> None:
        self._check_addresses(email_list)
        self._set_permission(app, "email_permitted", "email", ext_ids, email_list, False)

    def enable_sms(self, app: str, ext_ids: list[str] | None, msisdn_list: list[str] | None) -> None:
        self._set_permission(app, "sms_permitted", "msisdn", ext_ids, msisdn_list, True)

    def disable_sms(self, app: str, ext_ids: list[str] | None, msisdn_list: list[str] | None) -> None:
        self._set_permission(app, "sms_permitted", "msisdn", ext_ids, msisdn_list, False)

    def update_email(self, app: str, ext_id: str, email: str) -> None:
        if not email.strip():
            return  # blank: answered 200, address kept
        with self.store.transaction() as db:
            if not self._known_users(db, app, [ext_id]):
                return
            db.execute(
                "UPDATE users SET email = NULL WHERE app_id = ? AND email = ? AND ext_id != ?",
                (app, email, ext_id),
            )
            db.execute("UPDATE users SET email = ? WHERE app_id = ? AND ext_id = ?", (email, app, ext_id))

    def update_msisdn(self, app: str, ext_id: str, msisdn: str) -> None:
        with self.store.transaction() as db:
            if not self._known_users(db, app, [ext_id]):
                return
            if msisdn == "":
                # Stored as given, and SMS permission is reset (netmera-api.md §4).
                db.execute(
                    "UPDATE users SET msisdn = '', sms_permitted = 0 WHERE app_id = ? AND ext_id = ?",
                    (app, ext_id),
                )
                return
            db.execute(
                "UPDATE users SET msisdn = NULL WHERE app_id = ? AND msisdn = ? AND ext_id != ?",
                (app, msisdn, ext_id),
            )
            db.execute("UPDATE users SET msisdn = ? WHERE app_id = ? AND ext_id = ?", (msisdn, app, ext_id))

    def _remove(self, app: str, ext_id: str, column: str) -> None:
        """Clear one address of a user; its permission state is kept (netmera-api.md §4)."""
        with self.store.transaction() as db:
            db.execute(f"UPDATE users SET {column} = NULL WHERE app_id = ? AND ext_id = ?", (app, ext_id))

    def remove_email(self, app: str, ext_id: str) -> None:
        self._remove(app, ext_id, "email")

    def remove_msisdn(self, app: str, ext_id: str) -> None:
        self._remove(app, ext_id, "msisdn")

    def _add(self, app: str, channel: str, column: str, addresses: list[str]) -> None:
        """Addresses no user holds become device-less contacts (no external id); known ones are left."""
        if not addresses:
            raise errors.missing_parameter("emailList" if channel == "email" else "msisdnList")
        with self.store.transaction() as db:
            for address in dict.fromkeys(addresses):
                held = db.execute(
                    f"SELECT 1 FROM users WHERE app_id = ? AND {column} = ?", (app, address)
                ).fetchone()
                if held is None:
                    db.execute(
                        "INSERT OR IGNORE INTO anonymous_contacts (app_id, channel, address) "
                        "VALUES (?, ?, ?)",
                        (app, channel, address),
                    )

    def add_email(self, app: str, email_list: list[str]) -> None:
        self._add(app, "email", "email", email_list)

    def add_msisdn(self, app: str, msisdn_list: list[str]) -> None:
        self._add(app, "sms", "msisdn", msisdn_list)

    def contact_of_address(self, app: str, address: str) -> dict[str, Any] | None:
        """Who holds an email address or MSISDN, and whether a device-less contact does (test-only)."""
        with self.store.transaction() as db:
            holders = [
                r["ext_id"]
                for r in db.execute(
                    "SELECT ext_id FROM users WHERE app_id = ? AND (email = ? OR msisdn = ?) ORDER BY ext_id",
                    (app, address, address),
                )
            ]
            anonymous = db.execute(
                "SELECT channel, permitted FROM anonymous_contacts WHERE app_id = ? AND address = ?",
                (app, address),
            ).fetchone()
        if not holders and anonymous is None:
            return None
        return {
            "address": address,
            "holders": holders,
            "deviceLess": anonymous is not None,
            "deviceLessPermitted": bool(anonymous["permitted"]) if anonymous else None,
        }

    def contact_of_user(self, app: str, ext_id: str) -> dict[str, Any] | None:
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT email, msisdn, email_permitted, sms_permitted, whatsapp_permitted FROM users "
                "WHERE app_id = ? AND ext_id = ?",
                (app, ext_id),
            ).fetchone()
            numbers = [
                r["number"]
                for r in db.execute(
                    "SELECT number FROM whatsapp_numbers WHERE app_id = ? AND ext_id = ? ORDER BY number",
                    (app, ext_id),
                )
            ]
        if row is None:
            return None
        return {
            "extId": ext_id,
            "email": row["email"],
            "msisdn": row["msisdn"],
            "whatsapp": numbers,
            "emailPermitted": bool(row["email_permitted"]),
            "smsPermitted": bool(row["sms_permitted"]),
            "whatsappPermitted": bool(row["whatsapp_permitted"]),
        }


router = api_router()


def _listed_ids(field: str) -> Callable[[Any], tuple[list[Any], ...]]:
    """A permission request's ids to cap: its external ids, and the addresses or numbers `field`."""
    return lambda body: (body.ext_ids or [], getattr(body, field))


add_writes(
    router,
    ContactsState,
    (
        *(
            WriteRoute(
                name, MailPermissionRequest, lambda b: (b.ext_ids, b.email_list), _listed_ids("email_list")
            )
            for name in ("enableMail", "disableMail")
        ),
        WriteRoute("updateEmail", UpdateEmailRequest, lambda b: (b.ext_id, b.email), lambda b: ([b.ext_id],)),
        *(
            WriteRoute(
                name, SmsPermissionRequest, lambda b: (b.ext_ids, b.msisdn_list), _listed_ids("msisdn_list")
            )
            for name in ("enableSms", "disableSms")
        ),
        WriteRoute(
            "updateMsisdn", UpdateMsisdnRequest, lambda b: (b.ext_id, b.msisdn), lambda b: ([b.ext_id],)
        ),
        WriteRoute("addEmail", AddEmailRequest, lambda b: (b.email_list,)),
        WriteRoute("addMsisdn", AddMsisdnRequest, lambda b: (b.msisdn_list,)),
    ),
)


async def removing(request: Request, app: str, remove: Callable[[str, str], None]) -> Response:
    """A remove* request: the user's external id, or Netmera's plain-text 400 without one."""
    body = await raw_json(request)
    ext_id = body.get("extId") if isinstance(body, dict) else None
    if not isinstance(ext_id, str) or not ext_id:
        return PlainTextResponse(NO_EXTERNAL_ID, status_code=400)
    limit_ids(request, [ext_id])
    await call(remove, app, ext_id)
    return EMPTY


@router.post("/removeEmail", openapi_extra=body_of(RemoveContactRequest))
async def remove_email(request: Request, app: AppId) -> Response:
    return await removing(request, app, state_of(request, ContactsState).remove_email)


@router.post("/removeMsisdn", openapi_extra=body_of(RemoveContactRequest))
async def remove_msisdn(request: Request, app: AppId) -> Response:
    return await removing(request, app, state_of(request, ContactsState).remove_msisdn)
