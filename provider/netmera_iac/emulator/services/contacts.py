"""Email and SMS: permission by id or address (`enableMail`, `disableSms`, …), and
`updateEmail` / `updateMsisdn`; the test-only read of a user's addresses.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request, Response

from ...models import (
    MailPermissionRequest,
    SmsPermissionRequest,
    UpdateEmailRequest,
    UpdateMsisdnRequest,
)
from .. import errors
from ..http import (
    EMPTY,
    AppId,
    api_router,
    body_of,
    call,
    limit_ids,
    parse,
    state_of,
)
from .base import StateBase, chunks, placeholders

# Loose on purpose: Netmera rejects what is clearly not an address, not every RFC corner case.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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

    def contact_of_user(self, app: str, ext_id: str) -> dict[str, Any] | None:
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT email, msisdn, email_permitted, sms_permitted FROM users "
                "WHERE app_id = ? AND ext_id = ?",
                (app, ext_id),
            ).fetchone()
        if row is None:
            return None
        return {
            "extId": ext_id,
            "email": row["email"],
            "msisdn": row["msisdn"],
            "emailPermitted": bool(row["email_permitted"]),
            "smsPermitted": bool(row["sms_permitted"]),
        }


router = api_router()


@router.post("/enableMail", openapi_extra=body_of(MailPermissionRequest))
async def enable_mail(request: Request, app: AppId) -> Response:
    body = await parse(request, MailPermissionRequest)
    limit_ids(request, body.ext_ids or [])
    await call(state_of(request, ContactsState).enable_mail, app, body.ext_ids, body.email_list)
    return EMPTY


@router.post("/disableMail", openapi_extra=body_of(MailPermissionRequest))
async def disable_mail(request: Request, app: AppId) -> Response:
    body = await parse(request, MailPermissionRequest)
    limit_ids(request, body.ext_ids or [])
    await call(state_of(request, ContactsState).disable_mail, app, body.ext_ids, body.email_list)
    return EMPTY


@router.post("/updateEmail", openapi_extra=body_of(UpdateEmailRequest))
async def update_email(request: Request, app: AppId) -> Response:
    body = await parse(request, UpdateEmailRequest)
    limit_ids(request, [body.ext_id])
    await call(state_of(request, ContactsState).update_email, app, body.ext_id, body.email)
    return EMPTY


@router.post("/enableSms", openapi_extra=body_of(SmsPermissionRequest))
async def enable_sms(request: Request, app: AppId) -> Response:
    body = await parse(request, SmsPermissionRequest)
    limit_ids(request, body.ext_ids or [])
    await call(state_of(request, ContactsState).enable_sms, app, body.ext_ids, body.msisdn_list)
    return EMPTY


@router.post("/disableSms", openapi_extra=body_of(SmsPermissionRequest))
async def disable_sms(request: Request, app: AppId) -> Response:
    body = await parse(request, SmsPermissionRequest)
    limit_ids(request, body.ext_ids or [])
    await call(state_of(request, ContactsState).disable_sms, app, body.ext_ids, body.msisdn_list)
    return EMPTY


@router.post("/updateMsisdn", openapi_extra=body_of(UpdateMsisdnRequest))
async def update_msisdn(request: Request, app: AppId) -> Response:
    body = await parse(request, UpdateMsisdnRequest)
    limit_ids(request, [body.ext_id])
    await call(state_of(request, ContactsState).update_msisdn, app, body.ext_id, body.msisdn)
    return EMPTY
