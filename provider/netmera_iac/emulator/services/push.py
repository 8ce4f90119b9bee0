"""Devices and push permission: `enablePush`/`disablePush`, `getDevices`, `getDeviceTokens`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from ...models import (
    Device,
    DevicesResponse,
    DeviceTokenEntry,
    DeviceTokensResponse,
    PushTarget,
)
from .. import errors
from ..http import (
    AppId,
    WriteRoute,
    add_writes,
    api_router,
    call,
    json_response,
    operation_url,
    state_of,
)
from .base import StateBase

MAX_DEVICE_PAGE = 1000


class PushState(StateBase):
    """Push permission lives on devices; a user's permission is every device's."""

    def _set_push(self, app: str, ext_id: str | None, device_token: str | None, permitted: bool) -> None:
        if not ext_id and not device_token:
            raise errors.missing_parameter("extId or deviceToken")
        with self.store.transaction() as db:
            if ext_id:  # extId wins when both are sent
                db.execute(
                    "UPDATE devices SET push_permitted = ? WHERE app_id = ? AND ext_id = ?",
                    (int(permitted), app, ext_id),
                )
            else:
                db.execute(
                    "UPDATE devices SET push_permitted = ? WHERE app_id = ? AND token = ?",
                    (int(permitted), app, device_token),
                )

    def enable_push(self, app: str, ext_id: str | None, device_token: str | None) -> None:
        self._set_push(app, ext_id, device_token, True)

    def disable_push(self, app: str, ext_id: str | None, device_token: str | None) -> None:
        self._set_push(app, ext_id, device_token, False)

    def get_devices(self, app: str, ext_id: str, push_permitted: bool) -> DevicesResponse:
        query = (
            "SELECT platform, token, device_model, push_permitted FROM devices "
            "WHERE app_id = ? AND ext_id = ?"
        )
        if push_permitted:
            query += " AND push_permitted = 1"
        with self.store.transaction() as db:
            rows = db.execute(query + " ORDER BY installation_id", (app, ext_id)).fetchall()
        return DevicesResponse(
            ext_id=ext_id,
            devices=[
                Device(
                    platform=r["platform"],
                    token=r["token"],
                    device_model=r["device_model"],
                    push_permitted=bool(r["push_permitted"]),
                )
                for r in rows
            ],
        )

    def get_device_tokens(self, app: str, limit: int, offset: int, page_url: str) -> DeviceTokensResponse:
        """`page_url` is this route's absolute URL on the host that served the request."""
        if limit < 1:
            raise errors.wrong_type("max", "a positive number")
        if offset < 0:
            raise errors.wrong_type("offset", "a non-negative number")
        limit = min(limit, MAX_DEVICE_PAGE)
        with self.store.transaction() as db:
            total = db.execute("SELECT COUNT(*) FROM devices WHERE app_id = ?", (app,)).fetchone()[0]
            rows = db.execute(
                "SELECT installation_id, platform, ext_id, token, push_permitted FROM devices "
                "WHERE app_id = ? ORDER BY installation_id LIMIT ? OFFSET ?",
                (app, limit, offset),
            ).fetchall()
        next_offset = offset + limit
        return DeviceTokensResponse(
            next_page=f"{page_url}?offset={next_offset}&max={limit}" if next_offset < total else None,
            total=total,
            devices=[
                DeviceTokenEntry(
                    installation_id=r["installation_id"],
                    platform=r["platform"],
                    ext_id=r["ext_id"],
                    device_token=r["token"] or None,
                    push_permitted=bool(r["push_permitted"]),
                )
                for r in rows
            ],
        )


router = api_router()
add_writes(
    router,
    PushState,
    (
        WriteRoute(
            name, PushTarget, lambda b: (b.ext_id, b.device_token), lambda b: ([b.ext_id], [b.device_token])
        )
        for name in ("disablePush", "enablePush")
    ),
)


@router.get("/getDevices")
async def get_devices(
    request: Request,
    app: AppId,
    ext_id: Annotated[str, Query(alias="extId")],
    push_permitted: Annotated[bool, Query(alias="pushPermitted")] = False,
) -> JSONResponse:
    result: DevicesResponse = await call(
        state_of(request, PushState).get_devices, app, ext_id, push_permitted
    )
    return json_response(request, "getDevices", result, keep_nulls=True)


@router.get("/getDeviceTokens")
async def get_device_tokens(
    request: Request,
    app: AppId,
    max_: Annotated[int, Query(alias="max")] = 10,
    offset: int = 0,
) -> JSONResponse:
    url = operation_url(request, "getDeviceTokens")
    result: DeviceTokensResponse = await call(
        state_of(request, PushState).get_device_tokens, app, max_, offset, url
    )
    return json_response(request, "getDeviceTokens", result)
