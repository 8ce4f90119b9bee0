"""Push, email and SMS permission, addresses, and getDevices."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Emulator


def devices(api: httpx.Client, ext_id: str, push_permitted: bool = False) -> list[dict[str, Any]]:
    params = {"extId": ext_id, "pushPermitted": str(push_permitted).lower()}
    body = api.get("/getDevices", params=params).json()
    assert body["extId"] == ext_id
    return list(body["devices"])


def test_get_devices(api: httpx.Client) -> None:
    assert devices(api, "cust-ayse") == [
        {"platform": "ANDROID", "token": "tok-ayse-pixel", "deviceModel": "Pixel 8", "pushPermitted": True},
        {"platform": "IOS", "token": "tok-ayse-ipad", "deviceModel": "iPad Air", "pushPermitted": False},
    ]
    assert [d["token"] for d in devices(api, "cust-ayse", push_permitted=True)] == ["tok-ayse-pixel"]
    assert devices(api, "nobody") == []


def test_disable_push__by_user_covers_every_device(api: httpx.Client) -> None:
    response = api.post("/disablePush", json={"extId": "cust-ayse"})
    assert (response.status_code, response.content) == (200, b"")
    assert [d["pushPermitted"] for d in devices(api, "cust-ayse")] == [False, False]


def test_enable_push__by_device_token(api: httpx.Client) -> None:
    assert api.post("/enablePush", json={"deviceToken": "tok-ayse-ipad"}).status_code == 200
    assert [d["pushPermitted"] for d in devices(api, "cust-ayse")] == [True, True]


def test_enable_push__ext_id_wins_over_token(api: httpx.Client) -> None:
    api.post(
        "/disablePush", json={"extId": "cust-mehmet", "deviceToken": "tok-ayse-pixel"}
    ).raise_for_status()
    assert devices(api, "cust-mehmet")[0]["pushPermitted"] is False
    assert devices(api, "cust-ayse")[0]["pushPermitted"] is True


def test_enable_push__needs_a_target(api: httpx.Client) -> None:
    response = api.post("/enablePush", json={})
    assert (response.status_code, response.json()["code"]) == (400, 2020)


def test_enable_mail_and_disable_mail(api: httpx.Client, emulator: Emulator) -> None:
    assert api.post("/enableMail", json={"extIds": ["cust-mehmet", "nobody"]}).status_code == 200
    assert emulator.contact_of("cust-mehmet")["emailPermitted"] is True
    assert api.post("/disableMail", json={"emailList": ["ayse@example.com"]}).status_code == 200
    assert emulator.contact_of("cust-ayse")["emailPermitted"] is False


def test_disable_mail__one_invalid_address_fails_the_request(api: httpx.Client, emulator: Emulator) -> None:
    response = api.post("/disableMail", json={"emailList": ["ayse@example.com", "not-an-address"]})
    assert (response.status_code, response.json()["code"]) == (400, 6000)
    assert emulator.contact_of("cust-ayse")["emailPermitted"] is True


def test_enable_sms_and_disable_sms__msisdn_matched_exactly(api: httpx.Client, emulator: Emulator) -> None:
    api.post("/disableSms", json={"msisdnList": ["905551234567"]}).raise_for_status()  # no "+": unknown
    assert emulator.contact_of("cust-ayse")["smsPermitted"] is True
    api.post("/disableSms", json={"msisdnList": ["+905551234567"]}).raise_for_status()
    assert emulator.contact_of("cust-ayse")["smsPermitted"] is False
    api.post("/enableSms", json={"extIds": ["cust-ayse"]}).raise_for_status()
    assert emulator.contact_of("cust-ayse")["smsPermitted"] is True


def test_update_email__moves_the_address_and_ignores_blank(api: httpx.Client, emulator: Emulator) -> None:
    api.post("/updateEmail", json={"extId": "cust-mehmet", "email": "ayse@example.com"}).raise_for_status()
    assert emulator.contact_of("cust-mehmet")["email"] == "ayse@example.com"
    assert emulator.contact_of("cust-ayse")["email"] is None
    assert api.post("/updateEmail", json={"extId": "cust-mehmet", "email": "  "}).status_code == 200
    assert emulator.contact_of("cust-mehmet")["email"] == "ayse@example.com"
    missing = api.post("/updateEmail", json={"extId": "cust-mehmet"})
    assert (missing.status_code, missing.json()["code"]) == (400, 2020)


def test_update_msisdn__empty_is_stored_and_resets_sms_permission(
    api: httpx.Client, emulator: Emulator
) -> None:
    assert api.post("/updateMsisdn", json={"extId": "cust-ayse", "msisdn": ""}).status_code == 200
    contact = emulator.contact_of("cust-ayse")
    assert (contact["msisdn"], contact["smsPermitted"]) == ("", False)


def test_update_msisdn__moves_the_number(api: httpx.Client, emulator: Emulator) -> None:
    api.post("/updateMsisdn", json={"extId": "cust-mehmet", "msisdn": "+905551234567"}).raise_for_status()
    assert emulator.contact_of("cust-mehmet")["msisdn"] == "+905551234567"
    assert emulator.contact_of("cust-ayse")["msisdn"] is None
    assert emulator.contact_of("cust-mehmet")["smsPermitted"] is True


def test_remove_email_and_remove_msisdn__clear_the_address_and_keep_the_permission(
    api: httpx.Client, emulator: Emulator
) -> None:
    api.post("/enableMail", json={"extIds": ["cust-ayse"]}).raise_for_status()
    assert api.post("/removeEmail", json={"extId": "cust-ayse"}).status_code == 200
    assert api.post("/removeMsisdn", json={"extId": "cust-ayse"}).status_code == 200
    contact = emulator.contact_of("cust-ayse")
    assert (contact["email"], contact["msisdn"], contact["emailPermitted"]) == (None, None, True)
    assert api.post("/removeEmail", json={"extId": "nobody"}).status_code == 200  # unknown: ignored


def test_remove_email__without_an_external_id_is_a_plain_text_400(api: httpx.Client) -> None:
    for path in ("/removeEmail", "/removeMsisdn", "/removeWhatsApp"):
        response = api.post(path, json={"email": "a@example.com"})
        assert (response.status_code, response.text) == (400, "Please provide an external id.")
        assert response.headers["content-type"].startswith("text/plain")


def test_add_email_and_add_msisdn__new_contacts_become_device_less_users(
    api: httpx.Client, emulator: Emulator
) -> None:
    ayse = emulator.contact_of("cust-ayse")["email"]
    api.post("/addEmail", json={"emailList": ["new@example.com", ayse]}).raise_for_status()
    api.post("/addMsisdn", json={"msisdnList": ["+905559999999"]}).raise_for_status()
    assert emulator.address_of("new@example.com") == {
        "address": "new@example.com", "holders": [], "deviceLess": True, "deviceLessPermitted": False,
    }  # fmt: skip
    assert emulator.address_of(ayse)["deviceLess"] is False  # a known address is left as it is
    # A device-less contact can be opted in by address, as any other.
    api.post("/enableMail", json={"emailList": ["new@example.com"]}).raise_for_status()
    api.post("/enableSms", json={"msisdnList": ["+905559999999"]}).raise_for_status()
    assert emulator.address_of("new@example.com")["deviceLessPermitted"] is True
    assert emulator.address_of("+905559999999")["deviceLessPermitted"] is True
    assert emulator.address_of("never@example.com") is None


def test_enable_whats_app_by_id_and_by_number__update_and_remove_whats_app(
    api: httpx.Client, emulator: Emulator
) -> None:
    body = {"extId": "cust-ayse", "wpNumbers": ["+905551110000", "+905551110001"]}
    assert api.post("/updateWhatsApp", json=body).status_code == 200
    assert emulator.contact_of("cust-ayse")["whatsapp"] == ["+905551110000", "+905551110001"]
    api.post("/enableWhatsApp", json={"wpNumbers": ["+905551110001"]}).raise_for_status()
    assert emulator.contact_of("cust-ayse")["whatsappPermitted"] is True
    api.post("/disableWhatsApp", json={"extIds": ["cust-ayse"]}).raise_for_status()
    assert emulator.contact_of("cust-ayse")["whatsappPermitted"] is False
    # A number set for another user moves to that user.
    api.post(
        "/updateWhatsApp", json={"extId": "cust-mehmet", "wpNumbers": ["+905551110000"]}
    ).raise_for_status()
    assert emulator.contact_of("cust-ayse")["whatsapp"] == ["+905551110001"]
    assert api.post("/removeWhatsApp", json={"extId": "cust-ayse"}).status_code == 200
    assert emulator.contact_of("cust-ayse")["whatsapp"] == []
    missing = api.post("/enableWhatsApp", json={})
    assert (missing.status_code, missing.json()["code"]) == (400, 2020)
    empty = api.post("/updateWhatsApp", json={"extId": "cust-ayse", "wpNumbers": []})
    assert (empty.status_code, empty.json()["code"]) == (400, 2020)
