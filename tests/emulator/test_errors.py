"""Errors every route shares: the key, malformed JSON, unmatched routes, the OpenAPI document."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter

from netmera_iac.emulator.http import WriteRoute, add_writes
from netmera_iac.emulator.services.base import StateBase
from netmera_iac.models import ENDPOINTS, Endpoint
from tests.conftest import Emulator


@pytest.mark.parametrize("operation", ENDPOINTS, ids=lambda op: op.name)
@pytest.mark.parametrize("api_key", [None, "wrong-key"], ids=["missing-key", "wrong-key"])
def test_every_route_requires_a_valid_key(
    emulator: Emulator, operation: Endpoint, api_key: str | None
) -> None:
    with emulator.api(api_key) as client:
        response = client.request(
            operation.method, f"/{operation.path}", json={} if operation.writes else None
        )
    assert response.status_code == 403
    assert response.json() == {"code": 2010, "error": "API key is invalid"}


@pytest.mark.parametrize("operation", [op for op in ENDPOINTS if op.writes], ids=lambda op: op.name)
def test_malformed_json_is_2009(api: httpx.Client, operation: Endpoint) -> None:
    response = api.post(
        f"/{operation.path}", content=b'{"extIds": [', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"code": 2009, "error": "Invalid JSON"}


def test_wrong_field_type_is_2004(api: httpx.Client) -> None:
    response = api.post("/tagUsers", json={"tag": "Sport", "extIds": "cust-ayse"})
    assert response.status_code == 400
    assert response.json() == {"code": 2004, "error": "Field 'extIds' should be an array"}


def test_missing_parameter_is_2020(api: httpx.Client) -> None:
    response = api.get("/getDevices")
    assert response.status_code == 400
    assert response.json() == {"code": 2020, "error": "Missing required parameter: extId"}


def test_unmatched_route_is_problem_json(api: httpx.Client) -> None:
    response = api.post("/noSuchOperation", json={})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["instance"] == "/rest/3.0/noSuchOperation"


def test_openapi_document_lists_every_operation(emulator: Emulator) -> None:
    document = httpx.get(f"{emulator.root_url}/openapi.json").json()
    served = {path.removeprefix("/rest/3.0/") for path in document["paths"] if path.startswith("/rest/3.0/")}
    assert served == {op.path for op in ENDPOINTS}
    tag_users = document["paths"]["/rest/3.0/tagUsers"]["post"]["requestBody"]["content"]["application/json"]
    assert set(tag_users["schema"]["properties"]) == {"tag", "extIds"}
    assert set(tag_users["schema"]["required"]) == {"tag", "extIds"}


def test_write_routes_are_named_and_placed_by_the_endpoint_table(emulator: Emulator) -> None:
    """Routes served from the table (emulator/http.py `add_writes`) sit at their endpoint's path,
    are named for its client method, and a read endpoint cannot be served as a write."""
    document = httpx.get(f"{emulator.root_url}/openapi.json").json()
    for op in ENDPOINTS:
        if op.writes:
            post = document["paths"][f"/rest/3.0/{op.path}"]["post"]
            assert post["operationId"].startswith(op.python_name), (op.name, post["operationId"])
            assert "requestBody" in post
    with pytest.raises(ValueError, match="getDevices is not a write endpoint"):
        add_writes(APIRouter(), StateBase, [WriteRoute("getDevices")])
