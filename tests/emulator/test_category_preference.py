"""setCategoryPreferences / getCategoryPreferences."""

from __future__ import annotations

import httpx


def prefs(api: httpx.Client, ext_id: str, channels: str | None = None) -> dict[str, bool]:
    params = {"externalId": ext_id, **({"channels": channels} if channels else {})}
    response = api.get("/getCategoryPreferences", params=params)
    assert response.status_code == 200
    return dict(response.json()["categoryPreferences"])


def test_set_category_preferences(api: httpx.Client) -> None:
    body = [
        {"extId": "cust-ayse", "category": "Shopping", "enable": True},
        {"extId": "cust-ayse", "category": "Promotion", "enable": False},
    ]
    response = api.post("/setCategoryPreferences", json=body)
    assert response.status_code == 200
    assert response.content == b""
    assert prefs(api, "cust-ayse") == {
        "Haftalık Bülten": True,
        "Promotion": False,
        "Shopping": True,
        "Weekly Newsletter": True,
    }


def test_set_category_preferences__per_channel(api: httpx.Client) -> None:
    body = [{"extId": "cust-ayse", "category": "Weekly Newsletter", "enable": False, "channel": "EMAIL"}]
    api.post("/setCategoryPreferences", json=body).raise_for_status()
    assert prefs(api, "cust-ayse", "EMAIL")["Weekly Newsletter"] is False
    assert prefs(api, "cust-ayse", "MOBILE")["Weekly Newsletter"] is True
    # Over all channels a category counts as opted in only if no channel is opted out.
    assert prefs(api, "cust-ayse")["Weekly Newsletter"] is False


def test_set_category_preferences__unusable_entries_are_skipped(api: httpx.Client) -> None:
    body = [
        {"extId": "cust-ayse", "category": "No Such Category", "enable": False},
        {"extId": "cust-ayse", "category": "Haftalık Bülten", "enable": False, "channel": "SMS"},
        {"extId": "cust-ayse", "enable": False},
        {"extId": "cust-ayse", "category": "Shopping", "enable": "no"},
        {"extId": "cust-ayse", "category": "Promotion", "enable": False},
    ]
    assert api.post("/setCategoryPreferences", json=body).status_code == 200
    assert prefs(api, "cust-ayse") == {
        "Haftalık Bülten": True,
        "Promotion": False,
        "Shopping": True,
        "Weekly Newsletter": True,
    }


def test_get_category_preferences__unknown_user_has_none(api: httpx.Client) -> None:
    assert prefs(api, "nobody") == {}


def test_get_category_preferences__external_id_is_required(api: httpx.Client) -> None:
    response = api.get("/getCategoryPreferences", params={"extId": "cust-ayse"})
    assert response.status_code == 400
    assert response.json() == {"code": 2020, "error": "Missing required parameter: externalId"}
