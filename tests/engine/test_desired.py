"""Loading desired state: every problem names the file, the path and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from netmera_iac.engine import OPTED_IN, OPTED_OUT, DesiredStateError
from netmera_iac.engine.desired import DesiredState, S
from netmera_iac.engine.family import Family
from netmera_iac.families import load_desired_state
from netmera_iac.families.categories import FAMILY as CATEGORIES
from netmera_iac.families.consent import FAMILY as CONSENT
from netmera_iac.families.contacts import FAMILY as CONTACTS
from netmera_iac.families.profiles import FAMILY as PROFILES
from netmera_iac.families.tags import FAMILY as TAGS


def section(state: DesiredState, family: Family[S]) -> S:
    found = state.of(family)
    assert found is not None, f"no {family.name} section"
    return found


ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"


def stack(tmp_path: Path, **files: str) -> Path:
    """A stack folder with the given files (`consent="..."` writes consent.yaml)."""
    folder = tmp_path / "stacks" / "t"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)
    return folder


def problems(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(DesiredStateError) as caught:
        load_desired_state(stack(tmp_path, **files), SCHEMAS, shown_root=tmp_path)
    return caught.value.problems


def test_the_demo_stack_is_valid() -> None:
    state = load_desired_state(ROOT / "stacks" / "demo", SCHEMAS, shown_root=ROOT)
    assert [m.tag for m in section(state, TAGS).memberships] == [
        "vip",
        "spring-campaign",
        "vip-segment",
    ]
    assert (
        section(state, TAGS).memberships[2].segment == "VIP customers"
        and section(state, TAGS).memberships[2].members == ()
    )
    assert state.files == (
        "stacks/demo/tags.yaml",
        "stacks/demo/categories.yaml",
        "stacks/demo/profiles.yaml",
        "stacks/demo/consent.yaml",
        "stacks/demo/contacts.yaml",
    )
    assert [c.name for c in section(state, CONSENT).lists] == [
        "push-users",
        "push-devices",
        "email-users",
        "email-addresses",
        "sms-users",
        "sms-numbers",
        "whatsapp-users",
        "whatsapp-numbers",
    ]
    assert section(state, CONTACTS).contacts["cust-no-device"].msisdn == "+905550000001"
    assert state.of(PROFILES) is not None
    assert section(state, PROFILES).profiles["cust-ayse"]["loyaltyTier"] == "gold"
    assert section(state, PROFILES).present["favouriteBrands"] == {"cust-ayse": ("acme", "globex")}


def test_wrong_type_names_file_path_and_value(tmp_path: Path) -> None:
    found = problems(tmp_path, tags="memberships:\n  vip:\n    members: [cust-ayse, 42]\n")
    assert found == ["stacks/t/tags.yaml: memberships.vip.members[1]: 42 is not of type 'string' (value: 42)"]


def test_unknown_field(tmp_path: Path) -> None:
    found = problems(tmp_path, tags="memberships:\n  vip:\n    memebrs: [a]\n")
    assert found == [
        "stacks/t/tags.yaml: memberships.vip: Additional properties are not allowed "
        '(\'memebrs\' was unexpected) (value: {"memebrs": ["a"]})'
    ]


def test_duplicates_are_named(tmp_path: Path) -> None:
    found = problems(tmp_path, tags="memberships:\n  vip:\n    members: [a, b, a]\n")
    assert found == ["stacks/t/tags.yaml: memberships.vip.members[2]: 'a' is listed more than once"]


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, tags="memberships:\n  vip: {members: [a]}\n  vip: {members: [b]}\n")
    assert len(found) == 1 and found[0].startswith("stacks/t/tags.yaml: line 3")
    assert "duplicate key 'vip'" in found[0]


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    found = problems(tmp_path, tags="memberships:\n  vip: [unclosed\n")
    assert found[0].startswith("stacks/t/tags.yaml: line ")


def test_same_user_with_and_without_a_tag_names_both(tmp_path: Path) -> None:
    found = problems(tmp_path, tags="memberships:\n  vip: {members: [a, b]}\nexclusions:\n  vip: [b]\n")
    assert found == [
        "tag 'vip': 1 user(s) are listed both by stacks/t/tags.yaml: memberships.vip (authoritative) and by "
        "stacks/t/tags.yaml: exclusions.vip (negative): b"
    ]


def test_categories(tmp_path: Path) -> None:
    folder = stack(
        tmp_path,
        categories="preferences:\n  - {category: Promotion, opted_in: [a], opted_out: [b]}\n"
        "  - {category: Promotion, channel: EMAIL, opted_out: [a]}\n",
    )
    state = load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    assert section(state, CATEGORIES).preferences[0].preferences == {"a": OPTED_IN, "b": OPTED_OUT}
    assert section(state, CATEGORIES).preferences[1].target == "Promotion/EMAIL"


def test_category_errors(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        categories="preferences:\n  - {category: Promotion, opted_in: [a], opted_out: [a]}\n"
        "  - {category: Promotion, opted_in: [c]}\n  - {category: Shopping, channel: FAX}\n",
    )
    assert "stacks/t/categories.yaml: preferences[2].channel: 'FAX' is not one of" in found[0]


def test_category_duplicates_and_conflicts(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        categories="preferences:\n  - {category: Promotion, opted_in: [a], opted_out: [a]}\n"
        "  - {category: Promotion, opted_in: [c]}\n",
    )
    assert found == [
        "stacks/t/categories.yaml: preferences[0]: 'a' is both opted_in and opted_out",
        "stacks/t/categories.yaml: preferences[1]: category 'Promotion' is already managed by preferences[0]",
    ]


def test_missing_stack_folder(tmp_path: Path) -> None:
    with pytest.raises(DesiredStateError, match="does not exist"):
        load_desired_state(tmp_path / "stacks" / "nope", SCHEMAS, shown_root=tmp_path)


def test_profile_values_are_checked_against_the_managed_schema(tmp_path: Path) -> None:
    folder = stack(tmp_path)
    (folder / "profiles.yaml").write_text(
        "users:\n  cust-ayse: {age: thirty}\narrays:\n  loyaltyTier: {present: {a: [x]}}\n"
        "retire:\n  attributes: [age]\n"
    )
    with pytest.raises(DesiredStateError) as caught:
        load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    assert caught.value.problems == [
        "stacks/t/profiles.yaml: users.cust-ayse.age: 'thirty' is not of type 'integer', 'null' "
        '(value: "thirty")',
        "stacks/t/profiles.yaml: arrays.loyaltyTier: not an array attribute of the managed schema",
        "stacks/t/profiles.yaml: retire.attributes: 'age' is still in the managed schema; "
        "remove it there first",
    ]


def test_an_attribute_owned_and_changed_additively_for_one_user_is_refused(tmp_path: Path) -> None:
    folder = stack(tmp_path)
    (folder / "profiles.yaml").write_text(
        "users:\n  a: {favouriteBrands: [x]}\narrays:\n  favouriteBrands: {present: {a: [y]}}\n"
    )
    with pytest.raises(DesiredStateError, match="both owned and changed additively"):
        load_desired_state(folder, SCHEMAS, shown_root=tmp_path)


def test_consent_lists_with_evidence(tmp_path: Path) -> None:
    state = load_desired_state(
        stack(
            tmp_path,
            consent="""
email:
  addresses:
    opted_in: [a@shop.example.com]
    opted_out: [b@shop.example.com]
    evidence:
      a@shop.example.com: {source: double opt-in mail, at: "2026-11-01T09:00:00+03:00"}
""",
        ),
        SCHEMAS,
        shown_root=tmp_path,
    )
    (spec,) = section(state, CONSENT).lists
    assert (spec.channel, spec.addressing, spec.name) == ("email", "emailList", "email-addresses")
    assert dict(spec.consents) == {"a@shop.example.com": OPTED_IN, "b@shop.example.com": OPTED_OUT}
    assert spec.evidence["a@shop.example.com"].source == "double opt-in mail"


def test_consent_problems_name_file_path_and_value(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        consent="""
email:
  addresses:
    opted_in: [ok@shop.example.com, "not an address"]
sms:
  numbers:
    opted_out: ["905551234567"]
  users:
    opted_in: [u1, u2, u3]
    opted_out: [u1]
    evidence:
      u2: {source: form, at: "2026-11-01T09:00:00"}
      u3: {source: form, at: "2999-01-01T00:00:00Z"}
      u9: {source: form, at: "2026-11-01T09:00:00Z"}
""",
    )
    assert any(
        p.startswith("stacks/t/consent.yaml: email.addresses.opted_in[1]: not a valid email address")
        and "(value: 'not an address')" in p
        for p in found
    )
    assert any(
        p.startswith("stacks/t/consent.yaml: sms.numbers.opted_out[0]: not an MSISDN with a country code")
        for p in found
    )
    assert "stacks/t/consent.yaml: sms.users: 'u1' is both opted_in and opted_out" in found
    assert any(
        p.startswith("stacks/t/consent.yaml: sms.users.evidence.u2.at: not an RFC 3339 time") for p in found
    )
    assert any(
        p.startswith("stacks/t/consent.yaml: sms.users.evidence.u3.at: consent cannot be given in the future")
        for p in found
    )
    assert (
        "stacks/t/consent.yaml: sms.users.evidence.u9: evidence for an id that is not opted_in (value: 'u9')"
        in found
    )


def test_evidence_needs_a_source(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        consent="push:\n  users:\n    opted_in: [u1]\n    evidence:\n      u1: {at: '2026-11-01T00:00Z'}\n",
    )
    assert found == [
        "stacks/t/consent.yaml: push.users.evidence.u1: 'source' is a required property "
        '(value: {"at": "2026-11-01T00:00Z"})'
    ]


def test_clearing_an_msisdn_needs_the_explicit_flag(tmp_path: Path) -> None:
    found = problems(tmp_path, contacts="users:\n  u1: {msisdn: ''}\n  u2: {email: 'x@y'}\n")
    assert any(
        p.startswith("stacks/t/contacts.yaml: users.u1.msisdn: an empty MSISDN clears the number and resets")
        for p in found
    )
    assert any(
        p.startswith("stacks/t/contacts.yaml: users.u2.email: not a valid email address") for p in found
    )
    found = problems(tmp_path / "x", contacts="users:\n  u3: {msisdn: '+90555'}\n")
    assert found[0].startswith(
        'stacks/t/contacts.yaml: users.u3.msisdn: "+90555" is not a number with its country code'
    )


def test_a_cleared_number_cannot_be_opted_in_to_sms(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        contacts="users:\n  u1: {msisdn: '', reset_sms_permission: true}\n",
        consent="sms:\n  users:\n    opted_in: [u1]\n",
    )
    assert found == [
        "stacks/t/contacts.yaml: users.u1.msisdn: cleared, which resets SMS permission, but "
        "stacks/t/consent.yaml: sms.users opts the user in (value: 'u1')"
    ]


def test_a_segment_can_stand_for_members(tmp_path: Path) -> None:
    state = load_desired_state(
        stack(tmp_path, tags="memberships:\n  vip: {segment: 5883}\n"), SCHEMAS, tmp_path
    )
    assert section(state, TAGS).memberships[0].segment == 5883
    assert problems(tmp_path / "x", tags="memberships:\n  vip: {description: neither}\n") == [
        "stacks/t/tags.yaml: memberships.vip: `members`, `members_file`, `members_query` or `segment` "
        "is required "
        '(value: {"description": "neither"})'
    ]


def test_id_lists_can_live_in_their_own_files(tmp_path: Path) -> None:
    folder = stack(
        tmp_path,
        tags="memberships:\n  vip: {members_file: lists/vip.txt}\n"
        "assignments:\n  beta: {members_file: lists/beta.txt}\n",
        categories="preferences:\n  - {category: Promotion, opted_in_file: in.txt, opted_out: [user-0009]}\n",
        consent="email:\n  users: {opted_out_file: lists/out.txt}\n",
    )
    (folder / "lists").mkdir()
    (folder / "lists" / "vip.txt").write_text("# VIP\ncust-ayse\nuser-0001\n")
    (folder / "lists" / "beta.txt").write_text("user-0002\n")
    (folder / "in.txt").write_text("user-0003\n\nuser-0004\n")
    (folder / "lists" / "out.txt").write_text("user-0005\n")
    state = load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    assert section(state, TAGS).memberships[0].members == ("cust-ayse", "user-0001")
    assert section(state, TAGS).assignments[0].members == ("user-0002",)
    assert dict(section(state, CATEGORIES).preferences[0].preferences) == {
        "user-0003": OPTED_IN,
        "user-0004": OPTED_IN,
        "user-0009": OPTED_OUT,
    }
    assert dict(section(state, CONSENT).lists[0].consents) == {"user-0005": OPTED_OUT}
    assert {f.path: f.holder for f in state.list_files} == {
        "lists/vip.txt": ("TagMembership", "vip", "members", None),
        "lists/beta.txt": ("TagAssignment", "beta", "members", None),
        "in.txt": ("CategoryPreferences", "Promotion", "preferences", OPTED_IN),
        "lists/out.txt": ("EmailConsent", "email-users", "consents", OPTED_OUT),
    }


def test_list_file_problems_name_the_file_and_line(tmp_path: Path) -> None:
    folder = stack(
        tmp_path,
        tags="memberships:\n  vip: {members_file: vip.txt}\n  gone: {members_file: missing.txt}\n"
        "  out: {members_file: ../../../etc/passwd}\n  both: {members: [a], members_file: vip.txt}\n",
    )
    (folder / "vip.txt").write_text("cust-ayse\ncust-ayse\n")
    with pytest.raises(DesiredStateError) as caught:
        load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    assert caught.value.problems == [
        "stacks/t/vip.txt: line 2: 'cust-ayse' is listed more than once (first at line 1)",
        "stacks/t/tags.yaml: memberships.gone.members_file: the file does not exist (value: 'missing.txt')",
        "stacks/t/tags.yaml: memberships.out.members_file: the file is a link or outside the stack folder "
        "(value: '../../../etc/passwd')",
        "stacks/t/tags.yaml: memberships.both: give `members` or `members_file`, not both (value: 'vip.txt')",
    ]


def test_addresses_from_a_list_file_are_checked(tmp_path: Path) -> None:
    folder = stack(tmp_path, consent="email:\n  addresses: {opted_in_file: addresses.txt}\n")
    (folder / "addresses.txt").write_text("ok@example.com\nnot-an-address\n")
    with pytest.raises(DesiredStateError) as caught:
        load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    (problem,) = caught.value.problems
    assert problem.startswith("stacks/t/consent.yaml: email.addresses.opted_in_file[1]: not a valid email")
    assert "(value: 'not-an-address')" in problem


def test_shards_from_an_earlier_version_are_a_warning(tmp_path: Path) -> None:
    state = load_desired_state(
        stack(tmp_path, tags="memberships:\n  vip: {members: [a], shards: 4}\n"), SCHEMAS, tmp_path
    )
    assert state.warnings == (
        "stacks/t/tags.yaml: memberships.vip.shards: `shards` is no longer used: every tag and the "
        "profiles are one resource whatever their size; remove the key (value: 4)",
    )


def test_ids_with_control_characters_are_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, tags='memberships:\n  vip: {members: ["a\\tb"]}\n')
    assert len(found) == 1 and found[0].startswith("stacks/t/tags.yaml: memberships.vip.members[0]: ")


def test_the_readme_consent_and_tags_examples_are_valid(tmp_path: Path) -> None:
    """A user copying the README's examples gets a valid stack (list files created empty)."""
    readme = (ROOT / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in readme.split("```yaml\n")[1:]]
    tags = next(b for b in blocks if b.startswith("memberships:"))
    consent = next(b for b in blocks if b.startswith("# stacks/<stack>/consent.yaml"))
    consent, contacts = consent.split("# stacks/<stack>/contacts.yaml")
    contacts = contacts.split("\n", 1)[1]  # the rest of the comment line
    folder = stack(tmp_path, tags=tags, consent=consent, contacts=contacts)
    (folder / "lists").mkdir()
    for name in ("newsletter-2026.txt", "imported.txt", "newsletter-addresses.txt"):
        (folder / "lists" / name).write_text("# empty\n")
    state = load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    email_users = next(c for c in section(state, CONSENT).lists if c.name == "email-users")
    assert email_users.evidence["user-0001"].source == "preference centre, ticket 4711"


def test_a_desired_state_file_under_another_name_is_refused(tmp_path: Path) -> None:
    folder = stack(tmp_path, tags="memberships: {}\n")
    (folder / "tag.yml").write_text("memberships: {vip: {members: [a]}}\n")
    (folder / "notes.txt").write_text("free text is fine\n")
    with pytest.raises(DesiredStateError) as caught:
        load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    assert caught.value.problems == [
        "stacks/t/tag.yml: not a desired-state file of this folder; expected any of: tags.yaml, "
        "categories.yaml, profiles.yaml, profile-attributes.schema.json, consent.yaml, contacts.yaml, "
        "erasure.yaml, push-approvals.yaml, sources.yaml "
        "(id lists in other files are named by members_file, opted_in_file or opted_out_file)"
    ]


def test_erasing_a_user_another_file_manages_is_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        tags="memberships:\n  vip: {members: [cust-ayse, user-0001]}\n",
        erasure="confirm: erase these users permanently\nusers: [user-0001, user-0099]\n",
    )
    assert found == [
        "stacks/t/erasure.yaml: users: user-0001 erased permanently but still managed by "
        "stacks/t/tags.yaml: memberships.vip; take them out there first (value: 'user-0001')"
    ]


def test_non_finite_and_unsafe_numbers_are_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        profiles="users:\n  cust-ayse: {lifetimeValue: .nan}\n  user-0001: {dateOfBirth: 9007199254740993}\n",
    )
    assert found == [
        "stacks/t/profiles.yaml: users.cust-ayse.lifetimeValue: not a finite number; JSON, and so Netmera, "
        "has no NaN or infinity (value: nan)",
        "stacks/t/profiles.yaml: users.user-0001.dateOfBirth: an integer beyond ±2^53-1 (9007199254740991) "
        "would be rounded by Netmera (value: 9007199254740993)",
    ]


def test_links_in_the_stack_folder_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("NETMERA_API_KEY=abc\n")
    folder = stack(tmp_path, tags="memberships:\n  vip: {members_file: vip.txt}\n")
    (folder / "vip.txt").symlink_to(secret)
    (folder / "categories.yaml").symlink_to(secret)
    with pytest.raises(DesiredStateError) as caught:
        load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    assert caught.value.problems == [
        "stacks/t/tags.yaml: memberships.vip.members_file: the file is a link or outside the stack folder "
        "(value: 'vip.txt')",
        "stacks/t/categories.yaml: must be a regular file inside the stack folder, not a link",
    ]
    assert "abc" not in str(caught.value)


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    """Nine levels of nine aliases: 500 bytes that expand to 9^9 strings. Refused at once."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    bomb = "\n".join(lines) + "\nmemberships: {x: {members: *a9}}\n"
    assert len(bomb) < 800
    found = problems(tmp_path, tags=bomb)
    assert found == [
        "stacks/t/tags.yaml: line 1, column 5: YAML anchors and aliases (&name, *name) are not accepted "
        "in desired-state files; write the values out"
    ]


def test_a_byte_order_mark_is_dropped_and_other_encodings_are_named(tmp_path: Path) -> None:
    folder = stack(tmp_path)
    (folder / "tags.yaml").write_bytes(b"\xef\xbb\xbfmemberships: {vip: {members: [user-0001]}}\n")
    state = load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    assert [(m.tag, list(m.members)) for m in section(state, TAGS).memberships] == [("vip", ["user-0001"])]
    (folder / "tags.yaml").write_bytes("memberships:\n  caf\xe9: {members: []}\n".encode("latin-1"))
    with pytest.raises(DesiredStateError) as caught:
        load_desired_state(folder, SCHEMAS, shown_root=tmp_path)
    assert caught.value.problems == [
        "stacks/t/tags.yaml: line 2: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    ]


def test_inline_ids_with_invisible_characters_or_in_two_unicode_forms_are_named(tmp_path: Path) -> None:
    found = problems(
        tmp_path, tags='memberships: {vip: {members: ["Jos\\u00e9", "Jose\\u0301", "a\\u200bb"]}}\n'
    )
    assert found == [
        "stacks/t/tags.yaml: memberships.vip.members[2]: 'a\\u200bb' holds an invisible character "
        "(U+200B ZERO WIDTH SPACE)",
        "stacks/t/tags.yaml: memberships.vip.members[1]: 'Jose\u0301' is 'Jos\u00e9' "
        "(memberships.vip.members[0]) in another Unicode form (equal after NFC): likely listed twice",
    ]


def test_yaml_s_readings_and_the_schemas_patterns_are_explained_in_words(tmp_path: Path) -> None:
    tags = "memberships:\n  vip:\n    members: [0123, 12:30, ' spaced ', no]\n  big: {members_file: /etc/x}\n"
    found = [p.removeprefix("stacks/t/tags.yaml: memberships.") for p in problems(tmp_path, tags=tags)]
    quote = "; quote it to keep the text:"
    assert found == [
        'big.members_file: "/etc/x" is an absolute path: give a path relative to the stack folder '
        '(value: "/etc/x")',
        f'vip.members[0]: 0123 was read by YAML as a number{quote} "0123" (value: 83)',
        f'vip.members[1]: 12:30 was read by YAML as a number{quote} "12:30" (value: 750)',
        'vip.members[2]: " spaced " starts or ends with white space: remove it (value: " spaced ")',
        f'vip.members[3]: no was read by YAML as a boolean{quote} "no" (value: false)',
    ]
