"""deleteUsersPermanently."""

from __future__ import annotations

import httpx

from tests.conftest import Emulator


def test_delete_users_permanently(api: httpx.Client, emulator: Emulator) -> None:
    api.post("/tagUsers", json={"tag": "Sport", "extIds": ["cust-ayse", "cust-mehmet"]}).raise_for_status()
    response = api.post("/deleteUsersPermanently", json={"extIds": ["cust-ayse"]})
    assert response.status_code == 200
    assert response.content == b""
    assert emulator.users_of("Sport") == ["cust-mehmet"]
    assert api.get("/getDevices", params={"extId": "cust-ayse"}).json()["devices"] == []
    assert emulator.control.get("/apps/demo/users/cust-ayse/contact").status_code == 404


def test_delete_users_permanently__unknown_id_fails_the_whole_request(
    api: httpx.Client, emulator: Emulator
) -> None:
    response = api.post("/deleteUsersPermanently", json={"extIds": ["cust-ayse", "ghost"]})
    assert response.status_code == 400
    assert response.json()["code"] == 5016
    assert "'ghost'" in response.json()["error"]
    assert emulator.contact_of("cust-ayse")["email"] == "ayse@example.com"  # nothing deleted


def test_delete_users_permanently__second_time_is_not_found(api: httpx.Client) -> None:
    api.post("/deleteUsersPermanently", json={"extIds": ["cust-mehmet"]}).raise_for_status()
    again = api.post("/deleteUsersPermanently", json={"extIds": ["cust-mehmet"]})
    assert (again.status_code, again.json()["code"]) == (400, 5016)
