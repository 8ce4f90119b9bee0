"""`getSegments` / `getSegmentUsers`, with Netmera's opaque page tokens."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from ...models import (
    OS_HEADER,
    PLATFORMS,
    Segment,
    SegmentsResponse,
    SegmentUser,
    SegmentUsersResponse,
)
from .. import errors
from ..http import (
    AppId,
    api_router,
    call,
    json_response,
    operation_url,
    state_of,
)
from .base import StateBase

SEGMENT_PAGE_MIN, SEGMENT_PAGE_MAX = 100, 1000


def encode_page_token(segment_id: int, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{segment_id}:{offset}".encode()).decode().rstrip("=")


def decode_page_token(segment_id: int, token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        seg, offset = raw.split(":")
        if int(seg) != segment_id or int(offset) < 0:
            raise ValueError(token)
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.wrong_type("offset", "a page token returned by getSegmentUsers") from None


class SegmentsState(StateBase):
    """Pages are opaque tokens; connector segments cannot be listed (retry later)."""

    def get_segments(self, app: str) -> SegmentsResponse:
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT s.id, s.name, s.type, (SELECT COUNT(*) FROM segment_members m "
                "WHERE m.app_id = s.app_id AND m.segment_id = s.id) AS members "
                "FROM segments s WHERE s.app_id = ? ORDER BY s.created DESC, s.id DESC LIMIT 1000",
                (app,),
            ).fetchall()
        return SegmentsResponse(
            items=[
                Segment(
                    id=r["id"],
                    name=r["name"],
                    type=r["type"],
                    user_count=None if r["type"] == "CONNECTORS_SEGMENT" else r["members"],
                )
                for r in rows
            ]
        )

    def get_segment_users(
        self, app: str, segment_id: int, limit: int, token: str | None, page_url: str
    ) -> SegmentUsersResponse:
        if limit > SEGMENT_PAGE_MAX:
            raise errors.wrong_type("max", f"at most {SEGMENT_PAGE_MAX}")
        limit = max(limit, SEGMENT_PAGE_MIN)  # "Even if a value less than 100 is entered, it returns 100"
        offset = decode_page_token(segment_id, token) if token else 0
        with self.store.transaction() as db:
            segment = db.execute(
                "SELECT name, type FROM segments WHERE app_id = ? AND id = ?", (app, segment_id)
            ).fetchone()
            if segment is None:
                raise errors.segment_not_found(segment_id)
            if segment["type"] == "CONNECTORS_SEGMENT":
                raise errors.retry_later()
            rows = db.execute(
                "SELECT m.ext_id, u.msisdn, u.email FROM segment_members m LEFT JOIN users u "
                "ON u.app_id = m.app_id AND u.ext_id = m.ext_id "
                "WHERE m.app_id = ? AND m.segment_id = ? ORDER BY m.ext_id LIMIT ? OFFSET ?",
                (app, segment_id, limit + 1, offset),
            ).fetchall()
        more = len(rows) > limit
        next_page = None
        if more:
            token = encode_page_token(segment_id, offset + limit)
            next_page = f"{page_url}?id={segment_id}&max={limit}&offset={token}"
        return SegmentUsersResponse(
            name=segment["name"],
            items=[
                SegmentUser(external_id=r["ext_id"], msisdn=r["msisdn"], email=r["email"])
                for r in rows[:limit]
            ],
            next_page=next_page,
        )


def platform(
    _app: AppId, os: Annotated[str | None, Header(alias=OS_HEADER, include_in_schema=True)] = None
) -> str:
    """The platform header both segment reads take; required, as some descriptions mark it (checked
    after the key, as every parameter is)."""
    if os is None:
        raise errors.missing_parameter(OS_HEADER)
    if os not in PLATFORMS:
        raise errors.wrong_type(OS_HEADER, f"one of {', '.join(PLATFORMS)}")
    return os


Platform = Annotated[str, Depends(platform)]

router = api_router()


@router.get("/getSegments")
async def get_segments(request: Request, app: AppId, _os: Platform) -> JSONResponse:
    result: SegmentsResponse = await call(state_of(request, SegmentsState).get_segments, app)
    return json_response(request, "getSegments", result, keep_nulls=True)


@router.get("/getSegmentUsers")
async def get_segment_users(
    request: Request,
    app: AppId,
    _os: Platform,
    segment_id: Annotated[int, Query(alias="id")],
    max_: Annotated[int, Query(alias="max")] = 100,
    offset: str | None = None,
) -> JSONResponse:
    url = operation_url(request, "getSegmentUsers")
    result: SegmentUsersResponse = await call(
        state_of(request, SegmentsState).get_segment_users, app, segment_id, max_, offset, url
    )
    return json_response(request, "getSegmentUsers", result)
