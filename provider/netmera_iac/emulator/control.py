"""Test-only routes under `/_emulator/`: reset, inspection of state the API cannot read back, the
request log and fault injection. The provider never calls these; tests and benchmarks do."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from . import errors
from .faults import FaultRule, Faults
from .fixtures import load_fixture, seed
from .services import Backend
from .shapes import Shape

CONTROL_PREFIX = "/_emulator"
router = APIRouter(prefix=CONTROL_PREFIX, tags=["test-only"])


def _backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def _faults(request: Request) -> Faults:
    faults: Faults = request.app.state.faults
    return faults


@router.post("/reset")
async def reset(request: Request, fixture: Annotated[str | None, Body(embed=True)] = None) -> dict[str, Any]:
    """Wipe every app and load the fixture (default: the one the server started with); faults, the
    request log and the answer shape are back to how the server started."""
    name = fixture or request.app.state.fixture
    backend = _backend(request)

    def work() -> None:
        backend.store.wipe()
        seed(backend.store, load_fixture(name))

    await run_in_threadpool(work)
    _faults(request).clear()
    _faults(request).clear_log()
    request.app.state.answers = request.app.state.answers_at_start
    return {"fixture": name, "apps": backend.app_ids()}


@router.post("/apps/{app}/users/{ext_id}")
async def add_user(request: Request, app: str, ext_id: str) -> dict[str, Any]:
    """A user without devices or contacts, as one who signs up elsewhere later (the API has no such
    write by external id)."""

    def work() -> None:
        with _backend(request).store.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO users (app_id, ext_id, email, msisdn, email_permitted, "
                "sms_permitted, profile) VALUES (?, ?, NULL, NULL, 0, 0, '{}')",
                (app, ext_id),
            )

    await run_in_threadpool(work)
    return {"app": app, "extId": ext_id}


@router.get("/apps/{app}/users/{ext_id}/tags")
async def tags_of_user(request: Request, app: str, ext_id: str) -> list[str]:
    return await run_in_threadpool(_backend(request).tags_of_user, app, ext_id)


@router.get("/apps/{app}/tags/{tag}/users")
async def users_of_tag(request: Request, app: str, tag: str) -> list[str]:
    return await run_in_threadpool(_backend(request).users_of_tag, app, tag)


@router.get("/apps/{app}/users/{ext_id}/contact")
async def contact_of_user(request: Request, app: str, ext_id: str) -> JSONResponse:
    """Email/MSISDN and their permissions: Netmera has no REST read for them."""
    contact = await run_in_threadpool(_backend(request).contact_of_user, app, ext_id)
    if contact is None:
        return JSONResponse({"error": f"no user {ext_id} in app {app}"}, status_code=404)
    return JSONResponse(contact)


@router.get("/apps/{app}/addresses/{address}")
async def contact_of_address(request: Request, app: str, address: str) -> JSONResponse:
    """Who holds an email address or MSISDN, including device-less contacts made by addEmail/addMsisdn."""
    found = await run_in_threadpool(_backend(request).contact_of_address, app, address)
    if found is None:
        return JSONResponse({"error": f"no contact {address} in app {app}"}, status_code=404)
    return JSONResponse(found)


@router.get("/apps/{app}/messages/{message_id}")
async def message(request: Request, app: str, message_id: int) -> JSONResponse:
    approved = await run_in_threadpool(_backend(request).message_approved, app, message_id)
    if approved is None:
        return JSONResponse({"error": f"no message {message_id} in app {app}"}, status_code=404)
    return JSONResponse({"messageId": message_id, "approved": approved})


@router.get("/requests")
async def request_log(request: Request, operation: str | None = None) -> list[dict[str, Any]]:
    faults = _faults(request)
    with faults.lock:
        records = list(faults.log)
    return [asdict(r) for r in records if operation is None or r.operation == operation]


@router.get("/requests/counts")
async def request_counts(request: Request) -> dict[str, int]:
    return _faults(request).counts()


@router.delete("/requests")
async def clear_request_log(request: Request) -> dict[str, bool]:
    _faults(request).clear_log()
    return {"cleared": True}


@router.put("/answers")
async def answer_shape(request: Request, shape: Annotated[Shape, Body(embed=True)]) -> dict[str, str]:
    """Answer reads in another documented shape from now on (shapes.py); `documented` restores."""
    request.app.state.answers = shape
    return {"shape": shape}


@router.post("/faults")
async def add_fault(request: Request, rule: FaultRule) -> dict[str, Any]:
    _faults(request).add(rule)
    return {"added": rule.model_dump(by_alias=True, exclude_none=True)}


@router.delete("/faults")
async def clear_faults(request: Request) -> dict[str, bool]:
    _faults(request).clear()
    return {"cleared": True}


__all__ = ["CONTROL_PREFIX", "errors", "router"]
