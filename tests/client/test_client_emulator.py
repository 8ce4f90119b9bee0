"""Every client method against the served emulator (integration)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina

from netmera_iac.client import BadRequestError, InvalidAddressError, NetmeraClient, NotFoundError
from netmera_iac.emulator.server import DEMO_API_KEY
from netmera_iac.models import (
    ENDPOINTS,
    CategoryPreferenceEntry,
    DeleteProfileAttributeValueEntry,
    ProfileEntry,
    UnsetProfileEntry,
)
from tests.conftest import Emulator


@pytest.fixture
def netmera(emulator: Emulator) -> Iterator[NetmeraClient]:
    with NetmeraClient(DEMO_API_KEY, emulator.base_url) as client:
        yield client


def test_there_is_one_client_method_per_operation() -> None:
    missing = [op.name for op in ENDPOINTS if not callable(getattr(NetmeraClient, op.python_name, None))]
    assert missing == []


def test_tags(netmera: NetmeraClient, emulator: Emulator) -> None:
    assert netmera.tag_users("vip", ["cust-ayse", "user-0001"]).ids == 2
    assert emulator.users_of("vip") == ["cust-ayse", "user-0001"]
    netmera.untag_users("vip", ["user-0001"])
    assert emulator.users_of("vip") == ["cust-ayse"]


def test_category_preferences(netmera: NetmeraClient) -> None:
    netmera.set_category_preferences(
        [
            CategoryPreferenceEntry(ext_id="cust-ayse", category="Promotion", enable=False),
            CategoryPreferenceEntry(
                ext_id="cust-ayse", category="Weekly Newsletter", enable=False, channel="EMAIL"
            ),
        ]
    )
    prefs = netmera.get_category_preferences("cust-ayse").category_preferences
    assert prefs["Promotion"] is False and prefs["Shopping"] is True
    assert netmera.get_category_preferences("cust-ayse", ["MOBILE"]).category_preferences["Weekly Newsletter"]


def test_profile_attributes(netmera: NetmeraClient) -> None:
    netmera.set_profile_attributes([ProfileEntry(ext_id="cust-mehmet", profile={"age": 40})])
    netmera.push_profile_attributes(
        [ProfileEntry(ext_id="cust-mehmet", profile={"favouriteBrands": ["a", "b"]})]
    )
    netmera.pull_profile_attributes([ProfileEntry(ext_id="cust-mehmet", profile={"favouriteBrands": ["a"]})])
    netmera.unset_profile_attributes([UnsetProfileEntry(ext_id="cust-mehmet", profile=["name"])])
    assert netmera.get_profile_attributes("cust-mehmet").profile == {
        "age": 40,
        "favouriteBrands": ["b"],
        "lastVisitedCategories": ["shoes"],
    }
    netmera.delete_profile_attribute_value(
        [DeleteProfileAttributeValueEntry(key="favouriteBrands", value="b")]
    )
    netmera.delete_profile_attributes(["age"])
    many = netmera.get_profile_attributes_many(["cust-mehmet", "cust-ayse"])
    assert many["cust-mehmet"].profile == {"favouriteBrands": [], "lastVisitedCategories": ["shoes"]}
    assert "age" not in many["cust-ayse"].profile
    assert netmera.get_profile_attributes(device_token="tok-ayse-pixel").profile["name"] == "Ayşe"
    definitions = {d.code: d for d in netmera.app_profile_attributes().all()}
    assert definitions["favouriteBrands"].is_array


def test_push_and_devices(netmera: NetmeraClient) -> None:
    netmera.disable_push(ext_ids=["cust-ayse"])
    assert [d.push_permitted for d in netmera.get_devices("cust-ayse").devices] == [False, False]
    netmera.enable_push(device_tokens=["tok-ayse-ipad"])
    assert [d.token for d in netmera.get_devices("cust-ayse", push_permitted=True).devices] == [
        "tok-ayse-ipad"
    ]
    assert len(list(netmera.get_device_tokens(max_per_page=10))) == 63


def test_segments(netmera: NetmeraClient) -> None:
    segments = {s.name: s for s in netmera.get_segments().items}
    assert segments["VIP customers"].user_count == 13
    users = list(netmera.get_segment_users(segments["VIP customers"].id))
    assert len(users) == 13 and users[0].external_id == "cust-ayse"


def test_email_and_sms(netmera: NetmeraClient, emulator: Emulator) -> None:
    netmera.disable_mail(ext_ids=["cust-ayse"])
    netmera.enable_mail(email_list=["mehmet@example.com"])
    netmera.disable_sms(msisdn_list=["+905551234567"])
    netmera.enable_sms(ext_ids=["cust-no-device"])
    netmera.update_email("cust-no-device", "fresh@example.com")
    netmera.update_msisdn("cust-no-device", "+905550000042")
    assert emulator.contact_of("cust-ayse")["emailPermitted"] is False
    assert emulator.contact_of("cust-mehmet")["emailPermitted"] is True
    assert emulator.contact_of("cust-ayse")["smsPermitted"] is False
    assert emulator.contact_of("cust-no-device") == {
        "extId": "cust-no-device",
        "email": "fresh@example.com",
        "msisdn": "+905550000042",
        "whatsapp": [],
        "emailPermitted": False,
        "smsPermitted": True,
        "whatsappPermitted": False,
    }
    with pytest.raises(InvalidAddressError):
        netmera.enable_mail(email_list=["broken"])


def test_erasure_and_push_approval(netmera: NetmeraClient, emulator: Emulator) -> None:
    assert netmera.delete_users_permanently(["user-0007", "user-0008"]).ids == 2
    with pytest.raises(NotFoundError):
        netmera.delete_users_permanently(["user-0007"])
    netmera.send_push_approval([9002])
    assert emulator.control.get("/apps/demo/messages/9002").json()["approved"] is True


def test_retries_against_injected_faults(netmera: NetmeraClient, emulator: Emulator) -> None:
    emulator.add_fault(
        operation="tagUsers",
        sequence=[{"kind": "status", "status": 503}, {"kind": "drop", "afterApply": True}, None],
    )
    with stamina.set_testing(True, attempts=10, cap=True):
        assert netmera.tag_users("flaky", ["cust-ayse"]).requests == 1
    assert emulator.users_of("flaky") == ["cust-ayse"]
    assert [r["status"] for r in emulator.requests("tagUsers")] == [503, -1, 200]


def test_erasure_retry_after_a_lost_answer(netmera: NetmeraClient, emulator: Emulator) -> None:
    emulator.add_fault(operation="deleteUsersPermanently", sequence=[{"kind": "drop", "afterApply": True}])
    with stamina.set_testing(True, attempts=10, cap=True):
        assert netmera.delete_users_permanently(["user-0010", "user-0011"]).ids == 2
    # Lost answer, then each id reported gone in turn; nothing is left to send.
    assert [r["status"] for r in emulator.requests("deleteUsersPermanently")] == [-1, 400, 400]
    assert emulator.control.get("/apps/demo/users/user-0010/contact").status_code == 404


def test_single_target_writes_for_many(netmera: NetmeraClient, emulator: Emulator) -> None:
    """enablePush/disablePush, updateEmail and updateMsisdn take one target per request."""
    result = netmera.disable_push(["cust-mehmet", "cust-mehmet"], ["tok-ayse-pixel"])
    assert (result.requests, result.ids) == (2, 2)  # the duplicate id is sent once
    assert [d.push_permitted for d in netmera.get_devices("cust-mehmet").devices] == [False]
    assert netmera.enable_push(device_tokens=["tok-ayse-pixel"]).requests == 1
    assert netmera.get_devices("cust-ayse", push_permitted=True).devices[0].token == "tok-ayse-pixel"
    many = netmera.get_devices_many(["cust-mehmet", "nobody"])
    assert {u: [d.push_permitted for d in r.devices] for u, r in many.items()} == {
        "cust-mehmet": [False],
        "nobody": [],
    }
    written = netmera.update_email_many(
        {"user-0001": "one@shop.example.com", "user-0002": "two@shop.example.com"}
    )
    assert written.requests == 2
    assert emulator.contact_of("user-0002")["email"] == "two@shop.example.com"
    netmera.update_msisdn_many({"user-0003": "+905550000333"})
    assert emulator.contact_of("user-0003")["msisdn"] == "+905550000333"


def test_remove_add_and_whats_app(netmera: NetmeraClient, emulator: Emulator) -> None:
    netmera.update_whats_app_many({"cust-ayse": ["+905551110000"], "cust-mehmet": ["+905551110002"]})
    assert netmera.enable_whats_app(wp_numbers=["+905551110000"]).requests == 1
    netmera.disable_whats_app(ext_ids=["cust-mehmet"])
    ayse, mehmet = emulator.contact_of("cust-ayse"), emulator.contact_of("cust-mehmet")
    assert (ayse["whatsapp"], ayse["whatsappPermitted"]) == (["+905551110000"], True)
    assert mehmet["whatsappPermitted"] is False
    assert netmera.remove_many("removeWhatsApp", ["cust-ayse", "cust-mehmet"]).requests == 2
    netmera.remove_email("cust-ayse")
    netmera.remove_msisdn("cust-ayse")
    ayse = emulator.contact_of("cust-ayse")
    assert (ayse["whatsapp"], ayse["email"], ayse["msisdn"]) == ([], None, None)
    added = netmera.add_email([f"new-{n}@example.com" for n in range(1200)])
    assert (added.requests, added.ids) == (2, 1200)
    netmera.add_msisdn(["+905559990000"])
    assert emulator.address_of("new-7@example.com")["deviceLess"] is True
    assert emulator.address_of("+905559990000")["deviceLess"] is True
    with pytest.raises(BadRequestError, match="Please provide an external id"):
        netmera.remove_email("")


def test_untag_users_not_existing_asks_1000_ids_a_request(netmera: NetmeraClient, emulator: Emulator) -> None:
    ids = [f"ghost-{n}" for n in range(1500)] + ["cust-ayse"]
    emulator.control.delete("/requests")
    assert netmera.untag_users_not_existing("probe", ids) == sorted(ids[:-1])
    assert [r["ids"] for r in emulator.requests("untagUsers")] in ([1000, 501], [501, 1000])
