"""The compact collection format: round trips, canonical form, digests, legacy reads, corruption."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.engine import codec
from netmera_iac.engine.errors import CodecError

ids = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\t"), min_size=1)
id_sets = st.frozensets(ids, max_size=50)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | ids,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ids, inner, max_size=3),
    max_leaves=6,
)


@given(id_sets)
def test_ids_round_trip(members: frozenset[str]) -> None:
    encoded = codec.encode_ids(members)
    assert codec.decode_ids(encoded) == members
    head = codec.header(encoded)
    assert head is not None and head.count == len(members)


@given(st.lists(ids, max_size=30), st.randoms())
def test_order_and_duplicates_do_not_change_the_value(members: list[str], rnd: object) -> None:
    shuffled = list(members) + list(members[:3])
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert codec.encode_ids(shuffled) == codec.encode_ids(members)


@given(st.dictionaries(ids, st.sampled_from(["opted_in", "opted_out"]), max_size=40))
def test_str_map_round_trip(mapping: dict[str, str]) -> None:
    assert codec.decode_str_map(codec.encode_str_map(mapping)) == mapping


@given(
    st.dictionaries(
        ids, st.sampled_from(["opted_in\tx", "opted_out\ty", "opted_out", "opted_outer\tz"]), max_size=40
    ),
    st.sampled_from(["opted_out\t", "opted_in\t", "opted_out"]),
)
def test_str_map_where_keeps_exactly_the_lines_whose_value_starts_so(
    mapping: dict[str, str], prefix: str
) -> None:
    wanted = {k: v for k, v in mapping.items() if v.startswith(prefix)}
    assert codec.str_map_where(codec.encode_str_map(mapping), prefix) == wanted


@given(st.dictionaries(ids, json_values, max_size=20))
def test_json_map_round_trip_keeps_number_types(mapping: dict[str, object]) -> None:
    decoded = codec.decode_json_map(codec.encode_json_map(mapping))
    assert decoded == mapping
    for key, value in mapping.items():
        assert type(decoded[key]) is type(value) or isinstance(value, tuple)


def test_empty_set() -> None:
    encoded = codec.encode_ids([])
    assert codec.decode_ids(encoded) == frozenset()
    assert codec.header(encoded) == codec.Header(0, hashlib.sha256(b"").hexdigest())


def test_unicode_ids() -> None:
    members = {"müşteri-ğüşiöç", "顧客-1", "emoji-🙂", "a b"}
    assert codec.decode_ids(codec.encode_ids(members)) == members


def test_the_digest_is_the_sha256_of_the_sorted_lines() -> None:
    """The canonical text is specified, so any machine computes the same digest."""
    encoded = codec.encode_ids(["b", "c", "a", "b"])
    assert codec.header(encoded) == codec.Header(3, hashlib.sha256(b"a\nb\nc").hexdigest())


def test_the_value_is_the_same_in_another_process() -> None:
    """Stable across runs: no hash seed, no set order, no clock in the value."""
    members = [f"user-{i}" for i in range(2000)] + ["müşteri"]
    script = f"from netmera_iac.engine import codec\nprint(codec.encode_ids({members!r}), end='')"
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "12345"},
    ).stdout  # fmt: skip
    assert other == codec.encode_ids(reversed(members))


@pytest.mark.parametrize("bad", ["", "a\tb", "a\nb", "a\rb"])
def test_ids_that_cannot_be_lines_are_refused(bad: str) -> None:
    with pytest.raises(CodecError, match="tabs or line breaks"):
        codec.encode_ids(["fine", bad])


def test_non_finite_numbers_are_refused() -> None:
    with pytest.raises(CodecError, match="JSON"):
        codec.encode_json_map({"u1": float("nan")})


def test_corruption_is_detected() -> None:
    encoded = codec.encode_ids(["a", "b", "c"])
    head, _, data = encoded.rpartition(":")
    other = codec.encode_ids(["a", "b", "d"]).rpartition(":")[2]
    with pytest.raises(CodecError, match="digest"):
        codec.decode_ids(f"{head}:{other}")
    with pytest.raises(CodecError, match="corrupted"):
        codec.decode_ids(f"{head}:{data[:-4]}")
    with pytest.raises(CodecError, match="not an encoded collection"):
        codec.decode_ids("a,b,c")


def test_properties_hold_a_summary_and_a_hidden_value() -> None:
    props = codec.collection("members", codec.encode_ids(["u1", "u2"]), "ids")
    assert props["members"].startswith("2 ids · sha256:")
    assert codec.ids_in(props, "members") == {"u1", "u2"}
    assert set(props) == {"members", "__members"}


def test_legacy_maps_are_read_and_never_count_as_the_same() -> None:
    legacy = {"members": {"u1": True, "u2": True}}
    current = codec.collection("members", codec.encode_ids(["u1", "u2"]))
    assert codec.ids_in(legacy, "members") == codec.ids_in(current, "members")
    assert codec.is_legacy(legacy, "members") and not codec.is_legacy(current, "members")
    assert not codec.same_collection(legacy, current, "members")
    assert codec.same_collection(current, dict(current), "members")
    assert codec.str_map_in({"p": {"u1": "opted_in"}}, "p") == {"u1": "opted_in"}
    assert codec.json_map_in({"p": {"u1": {"a": [1]}}}, "p") == {"u1": {"a": [1]}}
    assert codec.ids_in({}, "members") == frozenset()
    assert codec.ids_in({"users": ["u1", "u2"]}, "users") == {"u1", "u2"}  # erasure lists were lists
    assert codec.is_legacy({"users": ["u1"]}, "users")


@given(id_sets, id_sets)
def test_the_streamed_difference_is_the_set_difference(old: frozenset[str], new: frozenset[str]) -> None:
    added, removed = codec.diff_ids(codec.encode_ids(old), codec.encode_ids(new))
    assert (added, removed) == (sorted(new - old), sorted(old - new))
    assert codec.diff_ids(None, codec.encode_ids(new)) == (sorted(new), [])


def test_the_streamed_difference_spans_many_chunks_and_checks_the_digest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(codec, "_CHUNK", 64)  # many chunk boundaries inside lines
    old = [f"user-{n:05d}" for n in range(3000)]
    new = [*old[10:], "user-99999", "ğ-user"]
    assert codec.diff_ids(codec.encode_ids(old), codec.encode_ids(new)) == (
        ["user-99999", "ğ-user"],
        old[:10],
    )
    encoded = codec.encode_ids(new)
    head = encoded.rpartition(":")[0]
    forged = codec.encode_ids(old).rpartition(":")[2]
    with pytest.raises(CodecError, match="digest or count"):
        codec.diff_ids(codec.encode_ids(old), f"{head}:{forged}")


maps = st.dictionaries(ids, st.sampled_from(["opted_in", "opted_out", "x"]), max_size=40)


@given(maps, maps)
def test_the_streamed_map_difference_is_the_dict_difference(old: dict[str, str], new: dict[str, str]) -> None:
    diff = codec.diff_str_maps(codec.encode_str_map(old), codec.encode_str_map(new))
    assert diff.changed == {k: (old.get(k), v) for k, v in new.items() if old.get(k) != v}
    assert diff.removed == {k: v for k, v in old.items() if k not in new}


@given(maps, maps, st.lists(ids, max_size=8), st.sampled_from([4, 8, 64]))
def test_the_map_difference_across_small_chunks_is_the_dict_difference_in_key_order(
    old: dict[str, str], new: dict[str, str], among: list[str], chunk: int
) -> None:
    """Compared a key range at a time, ranges cut wherever either side's chunk ends."""
    asked = [*among, *list(old)[:3], *list(new)[:3]]
    with mock.patch.object(codec, "_CHUNK", chunk):
        diff = codec.diff_str_maps(
            codec.encode_str_map(old) if old else None, codec.encode_str_map(new) if new else None, asked
        )
    line = {k: f"{k}\t" for k in [*old, *new]}
    changed = {
        k: (old.get(k), v) for k, v in sorted(new.items(), key=lambda kv: line[kv[0]]) if old.get(k) != v
    }
    assert list(diff.changed.items()) == list(changed.items())
    assert list(diff.removed.items()) == sorted(
        ((k, v) for k, v in old.items() if k not in new), key=lambda kv: line[kv[0]]
    )
    assert diff.same == {k: old[k] for k in asked if k in old and new.get(k) == old[k]}


def test_keys_holding_characters_below_the_tab_merge_in_line_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """`a\\x01` sorts before `a` as a line (`a\\x01\\t…` < `a\\t…`) though after it as a key: the merge
    compares keys with their tab, so neither is taken for removed and added."""
    monkeypatch.setattr(codec, "_CHUNK", 8)
    old = {"a": "opted_in", "a\x01": "opted_in", "b": "opted_out"}
    new = {"a": "opted_out", "a\x01": "opted_in", "b": "opted_out", "a\x02b": "opted_in"}
    diff = codec.diff_str_maps(codec.encode_str_map(old), codec.encode_str_map(new))
    assert diff.changed == {"a": ("opted_in", "opted_out"), "a\x02b": (None, "opted_in")}
    assert diff.removed == {}


def test_a_few_values_and_the_first_keys_are_read_without_the_whole_map(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(codec, "_CHUNK", 64)  # lines cut across chunks
    mapping = {f"user-{n:05d}": "opted_in" if n % 3 else "opted_out" for n in range(3000)}
    props = codec.collection("prefs", codec.encode_str_map(mapping), "users")
    assert codec.values_among(props, "prefs", ["user-00003", "user-00004", "nobody"]) == {
        "user-00003": "opted_out",
        "user-00004": "opted_in",
    }
    assert codec.first_keys(props, "prefs", 3) == ["user-00000", "user-00001", "user-00002"]
    legacy = {"prefs": {"b": "opted_in", "a": "opted_out"}}
    assert codec.values_among(legacy, "prefs", ["a"]) == {"a": "opted_out"}
    assert codec.first_keys(legacy, "prefs", 5) == ["a", "b"]
    assert codec.str_map_diff_in(legacy, props, "prefs").removed == {"a": "opted_out", "b": "opted_in"}


@given(maps, maps)
def test_a_streamed_patch_is_the_value_of_the_patched_map(
    old: dict[str, str], updates: dict[str, str]
) -> None:
    patched = codec.patch_str_map(codec.encode_str_map(old) if old else None, updates)
    assert patched == codec.encode_str_map({**old, **updates})


@given(maps, maps, st.sampled_from([4, 8, 12]))
def test_a_patch_across_small_chunks_is_the_value_of_the_patched_map(
    old: dict[str, str], updates: dict[str, str], chunk: int
) -> None:
    """Updates land in whichever decoded chunk holds their key's place, at its edges too."""
    encoded = codec.encode_str_map(old) if old else None
    with mock.patch.object(codec, "_CHUNK", chunk):
        patched = codec.patch_str_map(encoded, updates)
    assert patched == codec.encode_str_map({**old, **updates})


def test_a_patch_of_each_chunk_s_last_line_replaces_it_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new value sorting after the old one still replaces its key's line, not a line further on."""
    monkeypatch.setattr(codec, "_CHUNK", 64)
    old = {f"k{n:04d}": "a" for n in range(2000)}
    updates = dict.fromkeys(old, "b")
    assert codec.patch_str_map(codec.encode_str_map(old), updates) == codec.encode_str_map(updates)


def test_a_streamed_patch_over_many_batches_keeps_the_canonical_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(codec, "_CHUNK", 64)
    old = {f"user-{n:06d}": "opted_in applied 2026-12-01T00:00:00.000Z" for n in range(70_000)}
    updates = {"user-000005": "opted_out planned", "user-999999": "opted_in planned", "a\x01": "x"}
    assert codec.patch_str_map(codec.encode_str_map(old), updates) == codec.encode_str_map({**old, **updates})


def test_a_reference_has_its_collections_header_and_no_body() -> None:
    value = codec.encode_ids(["a", "b", "c"])
    ref = codec.reference(value)
    assert codec.header(ref) == codec.header(value) and len(ref) < 100
    assert codec.is_reference(ref) and not codec.is_reference(value)
    assert not codec.is_reference(codec.reference(codec.encode_ids([])) + ":")  # an empty body is a value
    for decode in (codec.decode_lines, codec.decode_ids, lambda v: list(codec.diff_ids(v, value))):
        with pytest.raises(CodecError, match="kept by reference"):
            decode(ref)
    with pytest.raises(CodecError, match="kept by reference"):
        codec.reference(ref)
