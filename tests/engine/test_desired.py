"""Loading desired state: every problem names the file, the path and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from netmera_iac.engine import OPTED_IN, OPTED_OUT, DesiredStateError, load_desired_state

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"


def stack(tmp_path: Path, tags: str | None = None, categories: str | None = None) -> Path:
    folder = tmp_path / "stacks" / "t"
    folder.mkdir(parents=True)
    if tags is not None:
        (folder / "tags.yaml").write_text(tags)
    if categories is not None:
        (folder / "categories.yaml").write_text(categories)
    return folder


def problems(tmp_path: Path, **files: str) -> list[str]:
    with pytest.raises(DesiredStateError) as caught:
        load_desired_state(stack(tmp_path, **files), SCHEMAS, shown_root=tmp_path)
    return caught.value.problems


def test_the_demo_stack_is_valid() -> None:
    state = load_desired_state(ROOT / "stacks" / "demo", SCHEMAS, shown_root=ROOT)
    assert [m.tag for m in state.memberships] == ["vip", "spring-campaign"]
    assert state.files == (
        "stacks/demo/tags.yaml",
        "stacks/demo/categories.yaml",
        "stacks/demo/profiles.yaml",
    )
    assert state.profiles is not None
    assert state.profiles.profiles["cust-ayse"]["loyaltyTier"] == "gold"
    assert state.profiles.present["favouriteBrands"] == {"cust-ayse": ("acme", "globex")}


def test_wrong_type_names_file_path_and_value(tmp_path: Path) -> None:
    found = problems(tmp_path, tags="memberships:\n  vip:\n    members: [cust-ayse, 42]\n")
    assert found == ["stacks/t/tags.yaml: memberships.vip.members[1]: 42 is not of type 'string' (value: 42)"]


def test_unknown_field_and_missing_members(tmp_path: Path) -> None:
    found = problems(tmp_path, tags="memberships:\n  vip:\n    memebrs: [a]\n")
    assert "stacks/t/tags.yaml: memberships.vip: 'members' is a required property" in found[0] or any(
        "'members' is a required property" in p for p in found
    )
    assert any("memebrs" in p and "stacks/t/tags.yaml: memberships.vip" in p for p in found)


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
    assert state.categories[0].preferences == {"a": OPTED_IN, "b": OPTED_OUT}
    assert state.categories[1].target == "Promotion/EMAIL"


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
