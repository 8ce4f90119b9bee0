"""`/rest/3.0/<operation>`: what every service's routes share to parse a request as Netmera does.

Netmera's quirks live in the services' state; routes only map HTTP to calls: the API key header to an
app, malformed JSON to 400/2009, a missing field to 400/2020, a wrong type to 400/2004, more than 1000
unique external ids to 400/2004, and successful writes to 200 with an empty body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from ..models import BASE_PATH, BY_NAME, MAX_IDS_PER_REQUEST
from . import errors, shapes
from .services.base import StateBase

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
S = TypeVar("S", bound=StateBase)


def api_router() -> APIRouter:
    """A service's routes, under the API's base path."""
    return APIRouter(prefix=BASE_PATH)


# Request-body schemas for the OpenAPI document (bodies are parsed by hand, see `parse`).
BODY_SCHEMAS: dict[str, Any] = {}


def body_of(schema_type: Any) -> dict[str, Any]:
    """`openapi_extra` declaring a JSON request body of `schema_type`."""
    schema = TypeAdapter(schema_type).json_schema(ref_template="#/components/schemas/{model}")
    BODY_SCHEMAS.update(schema.pop("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def state_of(request: Request, service: type[S]) -> S:
    """The emulator's state (services/__init__.py `Backend`), as the service that asks sees it."""
    state = request.app.state.backend
    assert isinstance(state, service)
    return state


def current_app(
    request: Request, api_key: Annotated[str | None, Header(alias="X-netmera-api-key")] = None
) -> str:
    """Every route of the API needs a valid key; each key opens exactly one app."""
    return state_of(request, StateBase).app_for_key(api_key)


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


def limit_ids(request: Request, ext_ids: list[Any], addressed: list[Any] | None = None) -> None:
    """Enforce the documented limit on external ids; note for the request log how many users,
    addresses, numbers or tokens (`addressed`) the request names."""
    unique = {i for i in ext_ids if isinstance(i, str)}
    request.state.ids = len(unique) + len({a for a in addressed or [] if isinstance(a, str)})
    if len(unique) > MAX_IDS_PER_REQUEST:
        raise errors.too_many_ids(len(unique), MAX_IDS_PER_REQUEST)


def entry_ids(items: list[Any], key: str = "extId") -> list[Any]:
    return [e.get(key) for e in items if isinstance(e, dict)]


async def call(fn: Callable[..., T], *args: Any) -> T:
    return await run_in_threadpool(fn, *args)


def json_response(
    request: Request, operation: str, model: BaseModel, *, keep_nulls: bool = False
) -> JSONResponse:
    """A read's answer, in the shape the emulator is set to answer in (shapes.py)."""
    payload = model.model_dump(by_alias=True, exclude_none=not keep_nulls, mode="json")
    return JSONResponse(shapes.reshape(request.app.state.answers, operation, payload))


def operation_url(request: Request, path: str) -> str:
    """Absolute URL of an operation on the host that served this request (for `nextPage`)."""
    return f"{str(request.base_url).rstrip('/')}{BASE_PATH}/{path}"


def _one(body: Any) -> tuple[Any, ...]:
    return (body,)


@dataclass(frozen=True)
class WriteRoute:
    """A write endpoint of the table (models/endpoints.py) served the way most are: its body parsed,
    its external ids capped, the state's method of the endpoint's name (`python_name`) called with
    `args(body)` after the app, and 200 with no body. `body`: the request model, an array of
    entries of it (`listed`), or None for an array of raw entries (Netmera judges those one by one).
    `ids`: (external ids, other addressed ids) to cap and log; None for a body naming no user."""

    endpoint: str
    body: type[BaseModel] | None = None
    args: Callable[[Any], tuple[Any, ...]] = _one
    ids: Callable[[Any], tuple[list[Any], ...]] | None = None
    listed: bool = False

    def body_schema(self) -> dict[str, Any]:
        if self.body is None:
            return body_of(list[dict[str, Any]])
        return body_of(list[self.body] if self.listed else self.body)  # type: ignore[name-defined]

    async def parsed(self, request: Request) -> Any:
        if self.body is None:
            return await entries(request)
        if self.listed:
            return await parse_list(request, self.body)
        return await parse(request, self.body)


def raw_entry_ids(items: list[Any]) -> tuple[list[Any]]:
    return (entry_ids(items),)


def add_writes(router: APIRouter, service: type[StateBase], routes: Iterable[WriteRoute]) -> None:
    """Serve `routes` on `router`, each at its endpoint's path, calling `service`'s method of its name."""
    for route in routes:
        endpoint = BY_NAME[route.endpoint]
        if endpoint.method != "POST" or not endpoint.writes:
            raise ValueError(f"{endpoint.name} is not a write endpoint")
        router.add_api_route(
            f"/{endpoint.path}",
            _write_handler(route, service, endpoint.python_name),
            methods=["POST"],
            name=endpoint.python_name,
            openapi_extra=route.body_schema(),
        )


def _write_handler(route: WriteRoute, service: type[StateBase], method: str) -> Callable[..., Any]:
    async def handler(request: Request, app: AppId) -> Response:
        body = await route.parsed(request)
        if route.ids is not None:
            limit_ids(request, *route.ids(body))
        await call(getattr(state_of(request, service), method), app, *route.args(body))
        return EMPTY

    return handler
