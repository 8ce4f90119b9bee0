"""`/rest/3.0/<operation>`: parse the request as Netmera does, call the backend, answer as Netmera does.

Netmera's quirks live in the backend; this module only maps HTTP to calls: the API key header to an
app, malformed JSON to 400/2009, a missing field to 400/2020, a wrong type to 400/2004, more than 1000
unique external ids to 400/2004, and successful writes to 200 with an empty body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from ..models import (
    BASE_PATH,
    MAX_IDS_PER_REQUEST,
    AppProfileAttributesResponse,
    CategoryPreferencesResponse,
    DeleteProfileAttributesEntry,
    DeleteProfileAttributeValueEntry,
    DeleteUsersRequest,
    DevicesResponse,
    DeviceTokensResponse,
    MailPermissionRequest,
    ProfileAttributesResponse,
    PushApprovalEntry,
    PushTarget,
    SegmentsResponse,
    SegmentUsersResponse,
    SmsPermissionRequest,
    TagUsersRequest,
    UnsetProfileEntry,
    UntagUsersRequest,
    UntagUsersResponse,
    UpdateEmailRequest,
    UpdateMsisdnRequest,
)
from . import errors
from .state import Backend

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

router = APIRouter(prefix=BASE_PATH)

# Request-body schemas for the OpenAPI document (bodies are parsed by hand, see `parse`).
BODY_SCHEMAS: dict[str, Any] = {}


def body_of(schema_type: Any) -> dict[str, Any]:
    """`openapi_extra` declaring a JSON request body of `schema_type`."""
    schema = TypeAdapter(schema_type).json_schema(ref_template="#/components/schemas/{model}")
    BODY_SCHEMAS.update(schema.pop("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def backend_of(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def current_app(
    request: Request, api_key: Annotated[str | None, Header(alias="X-netmera-api-key")] = None
) -> str:
    """Every route of the API needs a valid key; each key opens exactly one app."""
    return backend_of(request).app_for_key(api_key)


AppId = Annotated[str, Depends(current_app)]
EMPTY = Response(status_code=200)


_TYPE_NAMES = {"str", "int", "float", "bool", "list", "dict", "none", "function-after"}


def validation_error(exc: ValidationError | Any) -> errors.EmulatorError:
    """Map the first pydantic/FastAPI error to Netmera's code for it."""
    first = exc.errors()[0]
    # Drop FastAPI's location prefixes and pydantic's union-branch names (`tag.str` -> `tag`).
    parts = [p for p in first.get("loc", ()) if p not in ("body", "query", "header")]
    field = ".".join(str(p) for p in parts if not (isinstance(p, str) and (p in _TYPE_NAMES or "[" in p)))
    kind = first.get("type", "")
    if kind == "json_invalid":
        return errors.invalid_json()
    if kind == "missing":
        return errors.missing_parameter(field or "body")
    expected = {"string_type": "a text", "bool_type": "a boolean", "list_type": "an array"}.get(
        kind, "of the documented type"
    )
    return errors.wrong_type(field or "body", expected)


async def raw_json(request: Request) -> Any:
    try:
        body = await request.body()
    except ClientDisconnect:  # a killed client (tests kill `pulumi up`): nothing to answer, no traceback
        raise HTTPException(status_code=499, detail="client closed the request") from None
    if not body.strip():
        raise errors.missing_parameter("body")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise errors.invalid_json() from None


async def parse(request: Request, model: type[M]) -> M:
    data = await raw_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


async def parse_list(request: Request, model: type[M]) -> list[M]:
    """A non-empty JSON array of `model` entries, judged as a whole."""
    data = await raw_json(request)
    try:
        parsed = TypeAdapter(list[model]).validate_python(data)  # type: ignore[valid-type]
    except ValidationError as exc:
        raise validation_error(exc) from None
    if not parsed:
        raise errors.missing_parameter("body")
    return list(parsed)


async def entries(request: Request) -> list[Any]:
    """A JSON array of entries, left raw: Netmera judges array entries one by one."""
    data = await raw_json(request)
    if not isinstance(data, list):
        raise errors.wrong_type("body", "an array")
    if not data:
        raise errors.missing_parameter("body")
    return data


def limit_ids(request: Request, ext_ids: list[Any]) -> None:
    """Enforce the documented limit; also note the count for the request log."""
    unique = {i for i in ext_ids if isinstance(i, str)}
    request.state.ids = len(unique)
    if len(unique) > MAX_IDS_PER_REQUEST:
        raise errors.too_many_ids(len(unique), MAX_IDS_PER_REQUEST)


def entry_ids(items: list[Any], key: str = "extId") -> list[Any]:
    return [e.get(key) for e in items if isinstance(e, dict)]


async def call(fn: Callable[..., T], *args: Any) -> T:
    return await run_in_threadpool(fn, *args)


def json_response(model: BaseModel, *, keep_nulls: bool = False) -> JSONResponse:
    return JSONResponse(model.model_dump(by_alias=True, exclude_none=not keep_nulls, mode="json"))


def operation_url(request: Request, path: str) -> str:
    """Absolute URL of an operation on the host that served this request (for `nextPage`)."""
    return f"{str(request.base_url).rstrip('/')}{BASE_PATH}/{path}"


# -- users -------------------------------------------------------------------------------------------
@router.post("/deleteUsersPermanently", openapi_extra=body_of(DeleteUsersRequest))
async def delete_users_permanently(request: Request, app: AppId) -> Response:
    body = await parse(request, DeleteUsersRequest)
    limit_ids(request, body.ext_ids)
    await call(backend_of(request).delete_users_permanently, app, body.ext_ids)
    return EMPTY


# -- push --------------------------------------------------------------------------------------------
@router.post("/disablePush", openapi_extra=body_of(PushTarget))
async def disable_push(request: Request, app: AppId) -> Response:
    body = await parse(request, PushTarget)
    limit_ids(request, [body.ext_id])
    await call(backend_of(request).disable_push, app, body.ext_id, body.device_token)
    return EMPTY


@router.post("/enablePush", openapi_extra=body_of(PushTarget))
async def enable_push(request: Request, app: AppId) -> Response:
    body = await parse(request, PushTarget)
    limit_ids(request, [body.ext_id])
    await call(backend_of(request).enable_push, app, body.ext_id, body.device_token)
    return EMPTY


# -- tags --------------------------------------------------------------------------------------------
@router.post("/tagUsers", openapi_extra=body_of(TagUsersRequest))
async def tag_users(request: Request, app: AppId) -> Response:
    body = await parse(request, TagUsersRequest)
    limit_ids(request, body.ext_ids)
    await call(backend_of(request).tag_users, app, body.tags(), body.ext_ids)
    return EMPTY


@router.post("/untagUsers", openapi_extra=body_of(UntagUsersRequest))
async def untag_users(request: Request, app: AppId) -> Response:
    body = await parse(request, UntagUsersRequest)
    limit_ids(request, body.ext_ids)
    unknown = await call(backend_of(request).untag_users, app, body.tags(), body.ext_ids)
    if body.check_existence:
        return JSONResponse(UntagUsersResponse(not_exist=unknown).to_wire())
    return EMPTY


# -- category preferences ----------------------------------------------------------------------------
@router.post("/setCategoryPreferences", openapi_extra=body_of(list[dict[str, Any]]))
async def set_category_preferences(request: Request, app: AppId) -> Response:
    items = await entries(request)
    limit_ids(request, entry_ids(items))
    await call(backend_of(request).set_category_preferences, app, items)
    return EMPTY


@router.get("/getCategoryPreferences")
async def get_category_preferences(
    request: Request,
    app: AppId,
    external_id: Annotated[str, Query(alias="externalId")],
    push_permitted: Annotated[bool, Query(alias="pushPermitted")] = False,
    channels: Annotated[str | None, Query(description="comma-separated channel names")] = None,
) -> JSONResponse:
    del push_permitted  # accepted as documented; preferences do not depend on it
    selected = [c.strip() for c in channels.split(",") if c.strip()] if channels else None
    result: CategoryPreferencesResponse = await call(
        backend_of(request).get_category_preferences, app, external_id, selected
    )
    return json_response(result)


# -- profile attributes ------------------------------------------------------------------------------
@router.post("/setProfileAttributes", openapi_extra=body_of(list[dict[str, Any]]))
async def set_profile_attributes(request: Request, app: AppId) -> Response:
    items = await entries(request)
    limit_ids(request, entry_ids(items))
    await call(backend_of(request).set_profile_attributes, app, items)
    return EMPTY


@router.post("/unsetProfileAttributes", openapi_extra=body_of(list[UnsetProfileEntry]))
async def unset_profile_attributes(request: Request, app: AppId) -> Response:
    body = await parse_list(request, UnsetProfileEntry)
    limit_ids(request, [e.ext_id for e in body])
    await call(backend_of(request).unset_profile_attributes, app, [(e.ext_id, e.profile) for e in body])
    return EMPTY


@router.post("/deleteProfileAttributes", openapi_extra=body_of(list[DeleteProfileAttributesEntry]))
async def delete_profile_attributes(request: Request, app: AppId) -> Response:
    body = await parse_list(request, DeleteProfileAttributesEntry)
    keys = [k for e in body for k in e.profile]
    await call(backend_of(request).delete_profile_attributes, app, keys)
    return EMPTY


@router.get("/getProfileAttributes")
async def get_profile_attributes(
    request: Request,
    app: AppId,
    ext_id: Annotated[str | None, Query(alias="extId")] = None,
    device_token: Annotated[str | None, Query(alias="deviceToken")] = None,
) -> JSONResponse:
    result: ProfileAttributesResponse = await call(
        backend_of(request).get_profile_attributes, app, ext_id, device_token
    )
    return json_response(result, keep_nulls=True)


@router.post("/pushProfileAttributes", openapi_extra=body_of(list[dict[str, Any]]))
async def push_profile_attributes(request: Request, app: AppId) -> Response:
    items = await entries(request)
    limit_ids(request, entry_ids(items))
    await call(backend_of(request).push_profile_attributes, app, items)
    return EMPTY


@router.post("/pullProfileAttributes", openapi_extra=body_of(list[dict[str, Any]]))
async def pull_profile_attributes(request: Request, app: AppId) -> Response:
    items = await entries(request)
    limit_ids(request, entry_ids(items))
    await call(backend_of(request).pull_profile_attributes, app, items)
    return EMPTY


@router.post("/deleteProfileAttributeValue", openapi_extra=body_of(list[DeleteProfileAttributeValueEntry]))
async def delete_profile_attribute_value(request: Request, app: AppId) -> Response:
    body = await parse_list(request, DeleteProfileAttributeValueEntry)
    await call(backend_of(request).delete_profile_attribute_value, app, [(e.key, e.value) for e in body])
    return EMPTY


@router.get("/app/profile-attributes")
async def app_profile_attributes(request: Request, app: AppId) -> JSONResponse:
    result: AppProfileAttributesResponse = await call(backend_of(request).app_profile_attributes, app)
    return json_response(result)


# -- devices -----------------------------------------------------------------------------------------
@router.get("/getDevices")
async def get_devices(
    request: Request,
    app: AppId,
    ext_id: Annotated[str, Query(alias="extId")],
    push_permitted: Annotated[bool, Query(alias="pushPermitted")] = False,
) -> JSONResponse:
    result: DevicesResponse = await call(backend_of(request).get_devices, app, ext_id, push_permitted)
    return json_response(result, keep_nulls=True)


@router.get("/getDeviceTokens")
async def get_device_tokens(
    request: Request,
    app: AppId,
    max_: Annotated[int, Query(alias="max")] = 10,
    offset: int = 0,
) -> JSONResponse:
    url = operation_url(request, "getDeviceTokens")
    result: DeviceTokensResponse = await call(backend_of(request).get_device_tokens, app, max_, offset, url)
    return json_response(result)


# -- segments ----------------------------------------------------------------------------------------
@router.get("/getSegments")
async def get_segments(request: Request, app: AppId) -> JSONResponse:
    result: SegmentsResponse = await call(backend_of(request).get_segments, app)
    return json_response(result, keep_nulls=True)


@router.get("/getSegmentUsers")
async def get_segment_users(
    request: Request,
    app: AppId,
    segment_id: Annotated[int, Query(alias="id")],
    max_: Annotated[int, Query(alias="max")] = 100,
    offset: str | None = None,
) -> JSONResponse:
    url = operation_url(request, "getSegmentUsers")
    result: SegmentUsersResponse = await call(
        backend_of(request).get_segment_users, app, segment_id, max_, offset, url
    )
    return json_response(result)


# -- push approval -----------------------------------------------------------------------------------
@router.post("/sendPushApproval", openapi_extra=body_of(list[PushApprovalEntry]))
async def send_push_approval(request: Request, app: AppId) -> Response:
    body = await parse_list(request, PushApprovalEntry)
    await call(backend_of(request).send_push_approval, app, [e.message_id for e in body])
    return EMPTY


# -- email and SMS -----------------------------------------------------------------------------------
@router.post("/enableMail", openapi_extra=body_of(MailPermissionRequest))
async def enable_mail(request: Request, app: AppId) -> Response:
    body = await parse(request, MailPermissionRequest)
    limit_ids(request, body.ext_ids or [])
    await call(backend_of(request).enable_mail, app, body.ext_ids, body.email_list)
    return EMPTY


@router.post("/disableMail", openapi_extra=body_of(MailPermissionRequest))
async def disable_mail(request: Request, app: AppId) -> Response:
    body = await parse(request, MailPermissionRequest)
    limit_ids(request, body.ext_ids or [])
    await call(backend_of(request).disable_mail, app, body.ext_ids, body.email_list)
    return EMPTY


@router.post("/updateEmail", openapi_extra=body_of(UpdateEmailRequest))
async def update_email(request: Request, app: AppId) -> Response:
    body = await parse(request, UpdateEmailRequest)
    limit_ids(request, [body.ext_id])
    await call(backend_of(request).update_email, app, body.ext_id, body.email)
    return EMPTY


@router.post("/enableSms", openapi_extra=body_of(SmsPermissionRequest))
async def enable_sms(request: Request, app: AppId) -> Response:
    body = await parse(request, SmsPermissionRequest)
    limit_ids(request, body.ext_ids or [])
    await call(backend_of(request).enable_sms, app, body.ext_ids, body.msisdn_list)
    return EMPTY


@router.post("/disableSms", openapi_extra=body_of(SmsPermissionRequest))
async def disable_sms(request: Request, app: AppId) -> Response:
    body = await parse(request, SmsPermissionRequest)
    limit_ids(request, body.ext_ids or [])
    await call(backend_of(request).disable_sms, app, body.ext_ids, body.msisdn_list)
    return EMPTY


@router.post("/updateMsisdn", openapi_extra=body_of(UpdateMsisdnRequest))
async def update_msisdn(request: Request, app: AppId) -> Response:
    body = await parse(request, UpdateMsisdnRequest)
    limit_ids(request, [body.ext_id])
    await call(backend_of(request).update_msisdn, app, body.ext_id, body.msisdn)
    return EMPTY
