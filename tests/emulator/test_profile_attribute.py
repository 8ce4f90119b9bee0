"""Profile attribute operations and app/profile-attributes."""

from __future__ import annotations

from typing import Any

import httpx


def profile(api: httpx.Client, ext_id: str) -> dict[str, Any]:
    response = api.get("/getProfileAttributes", params={"extId": ext_id})
    assert response.status_code == 200
    body = response.json()
    assert body["extId"] == ext_id
    return dict(body["profile"])


def test_set_profile_attributes(api: httpx.Client) -> None:
    body = [
        {"extId": "cust-mehmet", "profile": {"age": 41, "lastVisitedCategories": ["bags"]}},
        {"extId": "user-0001", "profile": {"name": "John"}},
    ]
    response = api.post("/setProfileAttributes", json=body)
    assert response.status_code == 200
    assert response.content == b""
    # Other keys remain; arrays are replaced whole.
    assert profile(api, "cust-mehmet") == {"name": "Mehmet", "age": 41, "lastVisitedCategories": ["bags"]}
    assert profile(api, "user-0001") == {"name": "John"}


def test_set_profile_attributes__drops_undefined_keys_wrong_types_and_nulls(api: httpx.Client) -> None:
    body = [
        {
            "extId": "cust-ayse",
            "profile": {"age": "thirty", "shoeSize": 38, "loyaltyTier": None, "isSubscribed": True},
        }
    ]
    assert api.post("/setProfileAttributes", json=body).status_code == 200
    assert profile(api, "cust-ayse") == {
        "name": "Ayşe",
        "surname": "Yılmaz",
        "loyaltyTier": "gold",
        "age": 34,
        "isSubscribed": True,
    }


def test_set_profile_attributes__fails_only_when_every_entry_is_invalid(api: httpx.Client) -> None:
    body = [{"extId": "cust-ayse", "profile": {"age": "x"}}, {"profile": {"age": 3}}, "junk"]
    response = api.post("/setProfileAttributes", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == 2009
    mixed = [*body, {"extId": "cust-ayse", "profile": {"age": 35}}]
    assert api.post("/setProfileAttributes", json=mixed).status_code == 200
    assert profile(api, "cust-ayse")["age"] == 35


def test_set_profile_attributes__types(api: httpx.Client) -> None:
    good = {"lifetimeValue": 12, "dateOfBirth": 624315600000, "favouriteBrands": ["a"], "age": 7}
    bad = {"lifetimeValue": True, "dateOfBirth": "1990-01-01", "favouriteBrands": "a", "isSubscribed": 1}
    api.post("/setProfileAttributes", json=[{"extId": "user-0002", "profile": {**bad, **good}}])
    api.post("/setProfileAttributes", json=[{"extId": "user-0002", "profile": {**bad, "name": "x"}}])
    assert profile(api, "user-0002") == {**good, "name": "x"}


def test_unset_profile_attributes(api: httpx.Client) -> None:
    response = api.post("/unsetProfileAttributes", json=[{"extId": "cust-ayse", "profile": ["age", "name"]}])
    assert response.status_code == 200
    assert profile(api, "cust-ayse") == {"surname": "Yılmaz", "loyaltyTier": "gold"}


def test_delete_profile_attributes__from_every_user(api: httpx.Client) -> None:
    response = api.post("/deleteProfileAttributes", json=[{"profile": ["name", "age"]}])
    assert response.status_code == 200
    assert profile(api, "cust-ayse") == {"surname": "Yılmaz", "loyaltyTier": "gold"}
    assert profile(api, "cust-mehmet") == {"lastVisitedCategories": ["shoes"]}


def test_push_profile_attributes__as_a_set(api: httpx.Client) -> None:
    body = [{"extId": "cust-mehmet", "profile": {"lastVisitedCategories": ["shoes", "bags", "bags"]}}]
    assert api.post("/pushProfileAttributes", json=body).status_code == 200
    assert profile(api, "cust-mehmet")["lastVisitedCategories"] == ["shoes", "bags"]
    # Creates the attribute when absent; may address a device instead of a user.
    by_token = [{"deviceToken": "tok-ayse-pixel", "profile": {"favouriteBrands": ["x"]}}]
    assert api.post("/pushProfileAttributes", json=by_token).status_code == 200
    assert profile(api, "cust-ayse")["favouriteBrands"] == ["x"]


def test_push_profile_attributes__scalar_attribute_rejects_the_entry(api: httpx.Client) -> None:
    body = [{"extId": "cust-mehmet", "profile": {"name": ["x"], "lastVisitedCategories": ["y"]}}]
    response = api.post("/pushProfileAttributes", json=body)
    assert (response.status_code, response.json()["code"]) == (400, 2009)
    assert profile(api, "cust-mehmet")["lastVisitedCategories"] == ["shoes"]


def test_pull_profile_attributes(api: httpx.Client) -> None:
    api.post(
        "/pushProfileAttributes", json=[{"extId": "cust-mehmet", "profile": {"lastVisitedCategories": ["a"]}}]
    )
    body = [{"extId": "cust-mehmet", "profile": {"lastVisitedCategories": ["shoes", "zzz"]}}]
    assert api.post("/pullProfileAttributes", json=body).status_code == 200
    assert profile(api, "cust-mehmet")["lastVisitedCategories"] == ["a"]


def test_delete_profile_attribute_value__from_every_user(api: httpx.Client) -> None:
    api.post(
        "/setProfileAttributes",
        json=[
            {"extId": "user-0001", "profile": {"lastVisitedCategories": ["shoes", "hats"]}},
            {"extId": "user-0002", "profile": {"loyaltyTier": "gold"}},
        ],
    ).raise_for_status()
    response = api.post(
        "/deleteProfileAttributeValue",
        json=[{"key": "lastVisitedCategories", "value": "shoes"}, {"key": "loyaltyTier", "value": "gold"}],
    )
    assert response.status_code == 200
    assert profile(api, "cust-mehmet")["lastVisitedCategories"] == []
    assert profile(api, "user-0001")["lastVisitedCategories"] == ["hats"]
    assert "loyaltyTier" not in profile(api, "user-0002")
    assert "loyaltyTier" not in profile(api, "cust-ayse")


def test_get_profile_attributes__by_device_token_and_unknown_user(api: httpx.Client) -> None:
    by_token = api.get("/getProfileAttributes", params={"deviceToken": "tok-mehmet-iphone"}).json()
    assert by_token == {"extId": None, "profile": {"name": "Mehmet", "lastVisitedCategories": ["shoes"]}}
    assert profile(api, "nobody") == {}
    missing = api.get("/getProfileAttributes")
    assert (missing.status_code, missing.json()["code"]) == (400, 2020)


def test_app_profile_attributes(api: httpx.Client) -> None:
    body = api.get("/app/profile-attributes").json()
    standard = {a["code"]: a for a in body["standardProfileAttributes"]}
    custom = {a["code"]: a for a in body["customProfileAttributes"]}
    assert standard["dateOfBirth"] == {
        "code": "dateOfBirth",
        "name": "Date of birth",
        "dataType": "DATE",
        "isArray": False,
    }
    assert custom["lastVisitedCategories"]["isArray"] is True
    assert custom["lifetimeValue"]["dataType"] == "DOUBLE"
