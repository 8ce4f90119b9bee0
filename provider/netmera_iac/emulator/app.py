"""The emulator as an ASGI application: API routes, test-only routes, errors, faults."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import control, errors, http
from .faults import FaultMiddleware, Faults
from .fixtures import load_fixture, seed
from .services import SERVICES, Backend
from .shapes import Shape
from .storage import Store


def _error_response(err: errors.EmulatorError) -> JSONResponse:
    return JSONResponse({"code": err.code, "error": err.text}, status_code=err.status)


def create_app(store: Store | None = None, fixture: str = "demo", answers: Shape = "documented") -> FastAPI:
    """An emulator over `store` (default: in memory), seeded with `fixture` when the store is empty;
    reads answer in the `answers` shape (shapes.py)."""
    store = store or Store()
    if store.is_empty():
        seed(store, load_fixture(fixture))
    app = FastAPI(
        title="Netmera emulator",
        description="A local emulator of Netmera's user & device REST API (netmera-iac).",
        version="1",
    )
    app.state.backend = Backend(store)
    app.state.faults = Faults()
    app.state.fixture = fixture
    app.state.answers = app.state.answers_at_start = answers
    for service in SERVICES:
        app.include_router(service.router)
    app.include_router(control.router)

    @app.exception_handler(errors.EmulatorError)
    async def _emulator_error(_: Request, exc: errors.EmulatorError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error_response(http.validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Unmatched routes answer RFC 9457 problem JSON, as Netmera's gateway does (netmera-api.md §2).
        return JSONResponse(
            {
                "type": "about:blank",
                "title": "Not Found" if exc.status_code == 404 else "Error",
                "status": exc.status_code,
                "detail": str(exc.detail),
                "instance": request.url.path,
            },
            status_code=exc.status_code,
            media_type="application/problem+json",
        )

    @app.exception_handler(Exception)
    async def _internal_error(_: Request, exc: Exception) -> JSONResponse:
        return _error_response(errors.internal_error())

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(http.BODY_SCHEMAS)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(FaultMiddleware, faults=app.state.faults)
    return app
