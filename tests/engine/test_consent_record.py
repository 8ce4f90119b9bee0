"""The consent record and the person-level guard, as plain logic, and the record on a folder store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netmera_iac.backends.folder import FolderStore
from netmera_iac.engine.consent_record import (
    ConsentRecord,
    Desired,
    Line,
    Wanted,
    canonical_email,
    canonical_number,
    conflicts,
    handle_key,
    person_guard,
    person_key,
    unknown_holder,
)
from netmera_iac.engine.errors import BackendError

LINKS = {
    "id:cust-ayse": frozenset({"email:ayse@example.com", "msisdn:+905551110005"}),
    "email:ayse@example.com": frozenset({"id:cust-ayse"}),
    "msisdn:+905551110005": frozenset({"id:cust-ayse"}),
}


def at(minutes: int) -> str:
    return (datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def test_canonical_forms_compare_what_netmera_takes_as_one() -> None:
    assert canonical_email(" Ayse@Example.COM") == "ayse@example.com"
    assert canonical_email("jose\u0301@example.com") == canonical_email("jos\u00e9@example.com")
    assert canonical_number("+905551110005") == "+905551110005"
    assert canonical_number("00905551110005") == "+905551110005"
    assert canonical_number("905551110005") == "+905551110005"  # as getSegmentUsers answers
    assert canonical_number("05551110005") == "05551110005"  # no country code: compared as written
    assert person_key("emailList", "AYSE@example.com") == "email:ayse@example.com"
    assert person_key("wpNumbers", "0090555") == "whatsapp:+90555"
    assert person_key("extId", "Cust-Ayse") == "id:Cust-Ayse"  # external ids are exact
    assert handle_key("msisdn", "00905551110005") == "msisdn:+905551110005"


def test_an_opt_out_by_id_blocks_an_opt_in_by_address_and_names_who_and_where() -> None:
    lines = {"id:cust-ayse": Line("opted_out", "applied", at(0), "email-users")}
    want = Wanted("consent.yaml: email.addresses", "AYSE@example.com", "email:ayse@example.com")
    [blocked] = person_guard([want], lines, LINKS)
    text = blocked.describe()
    assert "consent.yaml: email.addresses: AYSE@example.com (person cust-ayse)" in text
    assert f"opted out as id:cust-ayse {at(0)} by consent list email-users" in text
    assert "no evidence" in text
    early = Wanted(want.source, want.shown, want.key, at(-5), "form")
    assert person_guard([early], lines, LINKS)[0].describe().endswith(f"at {at(-5)} is not later")
    assert person_guard([Wanted(want.source, want.shown, want.key, at(5), "form")], lines, LINKS) == []


def test_an_opt_out_by_address_blocks_the_holder_and_their_other_addresses() -> None:
    lines = {"email:ayse@example.com": Line("opted_out", "observed", at(0), "email-addresses")}
    by_id = Wanted("consent.yaml: email.users", "cust-ayse", "id:cust-ayse")
    assert len(person_guard([by_id], lines, LINKS)) == 1
    sms_lines = {"msisdn:+905551110005": Line("opted_out", "applied", at(0), "sms-numbers")}
    other_form = Wanted(
        "consent.yaml: sms.numbers", "00905551110005", person_key("msisdnList", "00905551110005")
    )
    assert len(person_guard([other_form], sms_lines, {})) == 1  # the same number in another form


def test_a_later_opt_in_under_another_key_lifts_the_block() -> None:
    lines = {
        "id:cust-ayse": Line("opted_out", "applied", at(0), "email-users"),
        "email:ayse@example.com": Line("opted_in", "applied", at(10), "email-addresses"),
    }
    assert person_guard([Wanted("s", "cust-ayse", "id:cust-ayse")], lines, LINKS) == []


def test_an_unknown_time_and_an_uncertain_opt_out_block() -> None:
    planned = {"id:cust-ayse": Line("opted_out", "planned", "", "email-users")}
    proof = Wanted("s", "ayse@example.com", "email:ayse@example.com", at(99), "form")
    assert "--refresh" in person_guard([proof], planned, LINKS)[0].describe()
    uncertain = {"id:cust-ayse": Line("opted_out", "uncertain", at(0), "email-users")}
    assert (
        "did not report back"
        in person_guard([Wanted("s", "cust-ayse", "id:cust-ayse")], uncertain, LINKS)[0].describe()
    )


def test_one_person_in_and_out_in_one_desired_state_is_a_conflict() -> None:
    entries = [
        Desired("consent.yaml: email.users", "cust-ayse", "id:cust-ayse", "opted_out"),
        Desired("consent.yaml: email.addresses", "Ayse@example.com", "email:ayse@example.com", "opted_in"),
    ]
    [problem] = conflicts(entries, LINKS)
    assert (
        "email.addresses: Ayse@example.com is opted in, but consent.yaml: email.users opts out cust-ayse"
        in problem
    )
    assert conflicts(entries, {}) == []  # without a link the stack cannot tell


def test_unknown_holders() -> None:
    assert unknown_holder("email:ayse@example.com", LINKS) is False
    assert unknown_holder("email:nobody@example.com", LINKS) is True
    assert unknown_holder("id:cust-ayse", {}) is False


def test_the_record_on_a_store_keeps_lines_links_and_the_seed_mark(tmp_path: Path) -> None:
    record = ConsentRecord(FolderStore(tmp_path, "folder"), ".netmera-iac/consent/p/s")
    assert record.lines("email") == {} and record.links() == {} and not record.seeded
    record.write("email", {"id:a": Line("opted_out", "applied", at(0), "email-users")})
    record.write("email", {"id:b": Line("opted_in", "applied", at(1), "email-users")})
    record.merge(
        "email",
        {
            "id:a": Line("opted_in", "applied", at(-1), "old"),
            "id:c": Line("opted_in", "applied", at(2), "old"),
        },
    )
    assert {k: v.state for k, v in record.lines("email").items()} == {
        "id:a": "opted_out",
        "id:b": "opted_in",
        "id:c": "opted_in",
    }
    record.link([("id:a", "email:a@x.com")])
    record.link([("id:a", "email:a2@x.com")])
    assert record.links()["id:a"] == {"email:a@x.com", "email:a2@x.com"}
    assert record.links()["email:a2@x.com"] == {"id:a"}
    record.mark_seeded({"lines": 0})
    assert record.seeded
    assert len(list((tmp_path / ".netmera-iac/consent/p/s/email").iterdir())) <= 3  # only touched shards
    shard = next((tmp_path / ".netmera-iac/consent/p/s/email").iterdir())
    shard.write_text("{not json")
    with pytest.raises(BackendError, match=r"consent record .* is unreadable"):
        record.lines("email")


# The guard over any sequence of opt-ins and opt-outs of one person, by external id or by any form of
# their address: an opt-in passes only if the person's last opt-out was followed by an opt-in, or the
# opt-in carries evidence later than that opt-out.
FORMS = ["id", "ayse@example.com", "AYSE@Example.com", "Ayse@EXAMPLE.COM"]
STEP = st.tuples(st.sampled_from(["in", "out"]), st.sampled_from(FORMS), st.sampled_from([None, -1, 1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, min_size=1, max_size=12))
def test_property_no_opt_in_after_an_opt_out_without_later_evidence(
    steps: list[tuple[str, str, int | None]],
) -> None:
    lines: dict[str, Line] = {}
    last_out: int | None = None  # the time of the person's last opt-out that no opt-in followed
    for clock, (verb, form, evidence) in enumerate(steps, start=1):
        key = "id:cust-ayse" if form == "id" else person_key("emailList", form)
        list_name = "email-users" if form == "id" else "email-addresses"
        if verb == "out":
            lines[key] = Line("opted_out", "applied", at(clock), list_name)
            last_out = clock
            continue
        proof = None if evidence is None else at((last_out or clock) + evidence)
        want = Wanted("s", form, key, proof, "form" if proof else None)
        passed = person_guard([want], lines, LINKS) == []
        allowed = last_out is None or (evidence is not None and evidence > 0)
        assert passed == allowed, (steps, clock)
        if passed:
            lines[key] = Line("opted_in", "applied", at(clock), list_name)
            last_out = None


def test_a_shard_an_earlier_version_wrote_as_json_is_read_and_rewritten_compact(tmp_path: Path) -> None:
    """Earlier versions kept each shard as JSON; it is still read, and the next write to it keeps its
    lines and stores the shard as one encoded map under the same key."""
    import json

    record = ConsentRecord(FolderStore(tmp_path, "folder"), "c")
    record.write("email", {"id:probe": Line("opted_in", "applied", at(0), "email-users")})
    shard = next((tmp_path / "c/email").iterdir())
    old = {
        "id:probe": ["opted_out", "applied", at(-5), "email-users"],
        "id:gone": ["opted_out", "observed", at(-9), "x"],
    }
    shard.write_text(json.dumps({"lines": old}))  # as an earlier version wrote this shard
    assert {k: v.state for k, v in record.lines("email").items()} == {
        "id:probe": "opted_out",
        "id:gone": "opted_out",
    }
    assert record.lines("email", "opted_out") == record.lines("email")  # a JSON shard's, filtered alike
    assert dict(record.lines("email", "opted_in")) == {}
    record.write("email", {"id:probe": Line("opted_in", "applied", at(1), "email-users")})
    assert shard.read_bytes().startswith(b"nmc1:")  # rewritten compact, same key
    assert dict(record.lines("email", "opted_out")) == {"id:gone": Line("opted_out", "observed", at(-9), "x")}
    lines = record.lines("email")
    assert (lines["id:probe"].state, lines["id:probe"].at) == ("opted_in", at(1))
    assert lines["id:gone"] == Line("opted_out", "observed", at(-9), "x")  # kept across the rewrite
    shard.write_bytes(shard.read_bytes()[:-8])  # a damaged compact shard is refused, not read short
    with pytest.raises(BackendError, match=r"consent record .* is unreadable"):
        record.lines("email")
