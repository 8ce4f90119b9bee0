"""tagUsers / untagUsers."""

from __future__ import annotations

import httpx

from tests.conftest import Emulator


def test_tag_users(api: httpx.Client, emulator: Emulator) -> None:
    response = api.post("/tagUsers", json={"tag": "Sport", "extIds": ["cust-ayse", "user-0001"]})
    assert response.status_code == 200
    assert response.content == b""
    assert emulator.users_of("Sport") == ["cust-ayse", "user-0001"]


def test_tag_users__unknown_users_are_a_silent_no_op(api: httpx.Client, emulator: Emulator) -> None:
    response = api.post("/tagUsers", json={"tag": "Sport", "extIds": ["nobody", "cust-ayse"]})
    assert response.status_code == 200
    assert emulator.users_of("Sport") == ["cust-ayse"]


def test_tag_users__several_tags_at_once(api: httpx.Client, emulator: Emulator) -> None:
    api.post("/tagUsers", json={"tag": ["a", "b"], "extIds": ["cust-mehmet"]}).raise_for_status()
    assert emulator.tags_of("cust-mehmet") == ["a", "b"]


def test_untag_users(api: httpx.Client, emulator: Emulator) -> None:
    api.post("/tagUsers", json={"tag": "Sport", "extIds": ["cust-ayse", "cust-mehmet"]}).raise_for_status()
    response = api.post("/untagUsers", json={"tag": "Sport", "extIds": ["cust-ayse", "nobody"]})
    assert response.status_code == 200
    assert response.content == b""
    assert emulator.users_of("Sport") == ["cust-mehmet"]


def test_tag_users__at_most_1000_unique_ids(api: httpx.Client, emulator: Emulator) -> None:
    exactly = [f"id-{i}" for i in range(1000)]
    assert api.post("/tagUsers", json={"tag": "t", "extIds": exactly + exactly[:5]}).status_code == 200
    response = api.post("/tagUsers", json={"tag": "t", "extIds": [*exactly, "cust-ayse"]})
    assert response.status_code == 400
    assert response.json()["code"] == 2004
    assert "1001" in response.json()["error"]
    assert emulator.users_of("t") == []  # rejected as a whole


def test_tag_users__keys_are_isolated_per_app(emulator: Emulator) -> None:
    with emulator.api("other-netmera-api-key") as other:
        other.post("/tagUsers", json={"tag": "Sport", "extIds": ["cust-ayse"]}).raise_for_status()
    assert emulator.users_of("Sport", app="other") == ["cust-ayse"]
    assert emulator.users_of("Sport", app="demo") == []


def test_untag_users__check_existence_answers_the_unknown_ids(api: httpx.Client, emulator: Emulator) -> None:
    api.post("/tagUsers", json={"tag": "Sport", "extIds": ["cust-ayse"]}).raise_for_status()
    body = {"tag": "Sport", "extIds": ["nobody", "cust-ayse", "nobody"], "checkExistence": True}
    response = api.post("/untagUsers", json=body)
    assert response.status_code == 200
    assert response.json() == {"notExist": ["nobody"]}
    assert emulator.users_of("Sport") == []
    # Without the flag: no body, as documented.
    assert api.post("/untagUsers", json={"tag": "Sport", "extIds": ["nobody"]}).content == b""
