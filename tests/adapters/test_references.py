"""The state keeps each collection once (adapters/references.py): outputs hold the inputs' collection
by reference, get it back before the servicer reads them, and a Diff keeps the pair true."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from google.protobuf import struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from netmera_iac.adapters.lean import LEAN_REQUESTS, parser
from netmera_iac.adapters.lifecycle import LifecycleProvider
from netmera_iac.adapters.process import keep_by_reference, kept_by_reference
from netmera_iac.adapters.references import answered
from netmera_iac.engine import codec
from netmera_iac.engine.errors import CodecError

MEMBERS = codec.encode_ids(f"user-{i}" for i in range(500))
OTHERS = codec.encode_ids(["user-1", "user-2"])


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _parsed(name: str, **fields: Any) -> Any:
    message = LEAN_REQUESTS[name].request(**{k: _struct(v) for k, v in fields.items()})
    return parser(LEAN_REQUESTS[name])(message.SerializeToString())


@pytest.mark.parametrize(
    ("name", "outputs", "inputs"),
    [
        ("Update", "olds", "old_inputs"),
        ("Diff", "olds", "old_inputs"),
        ("Delete", "properties", "old_inputs"),
        ("Read", "properties", "inputs"),
    ],
)
def test_a_reference_in_the_outputs_reads_as_the_inputs_collection(
    name: str, outputs: str, inputs: str
) -> None:
    request = _parsed(
        name,
        **{
            outputs: {"tag": "vip", "__members": codec.reference(MEMBERS), "members": "500 ids"},
            inputs: {"tag": "vip", "__members": MEMBERS, "__other": OTHERS},
        },
    )
    assert request.references == {"__members": codec.header(MEMBERS)}
    read = rpc.deserialize_properties(getattr(request, outputs))
    assert read == {"tag": "vip", "__members": MEMBERS, "members": "500 ids"}  # nothing else merged
    assert codec.decode_ids(read["__members"]) == codec.decode_ids(MEMBERS)


def test_a_reference_the_inputs_do_not_hold_the_same_stays_and_raises_when_decoded() -> None:
    request = _parsed(
        "Update", olds={"__members": codec.reference(MEMBERS)}, old_inputs={"__members": OTHERS}
    )
    olds = rpc.deserialize_properties(request.olds)
    assert olds["__members"] == codec.reference(MEMBERS)
    with pytest.raises(CodecError, match="kept by reference to the resource's inputs"):
        codec.decode_ids(olds["__members"])


def test_full_outputs_of_an_earlier_version_read_as_they_are() -> None:
    request = _parsed("Update", olds={"__members": OTHERS}, old_inputs={"__members": MEMBERS})
    assert request.references == {}
    assert rpc.deserialize_properties(request.olds)["__members"] == OTHERS


@settings(max_examples=60, deadline=None)
@given(
    ids=st.lists(st.text("abc-", min_size=1, max_size=6), max_size=20),
    extra=st.dictionaries(st.sampled_from(["a", "b", "__c"]), st.text(max_size=5), max_size=3),
)
def test_an_answered_update_resolves_back_to_what_the_provider_returned(
    ids: list[str], extra: dict[str, str]
) -> None:
    """Rule 1 then rule 2 give back the provider's outputs: whatever is written by reference, the
    next request reads it whole again."""
    news = {**extra, "__members": codec.encode_ids(ids)}
    request = _parsed("Update", olds={}, news=news, old_inputs={})
    keep_by_reference("__members")
    response = answered("Update", request, provider_pb2.UpdateResponse(properties=_struct(news)))
    stored = rpc.deserialize_properties(response.properties)
    assert stored["__members"] == codec.reference(news["__members"])
    nxt = _parsed("Update", olds=stored, news=news, old_inputs=news)
    assert rpc.deserialize_properties(nxt.olds) == news


def test_an_answer_keeps_what_differs_from_the_inputs_whole() -> None:
    news: dict[str, Any] = {
        "__members": MEMBERS,
        "__uncertain": codec.encode_ids([]),
        "__provider": "p",
        "n": 1,
    }
    request = _parsed("Update", olds={}, news=news, old_inputs={})
    keep_by_reference("__members", "__uncertain", "__provider")
    outs = {**news, "__members": OTHERS}  # a provider that applied something else
    response = answered("Update", request, provider_pb2.UpdateResponse(properties=_struct(outs)))
    stored = rpc.deserialize_properties(response.properties)
    assert stored == {**outs, "__uncertain": codec.reference(news["__uncertain"])}


def test_an_answer_keeps_whole_what_the_provider_does_not_let_be_a_reference() -> None:
    news = {"__members": MEMBERS, "__interrupted": OTHERS}
    request = _parsed("Update", olds={}, news=news, old_inputs={})
    keep_by_reference("__members")
    response = answered("Update", request, provider_pb2.UpdateResponse(properties=_struct(news)))
    assert dict(response.properties) == {"__members": codec.reference(MEMBERS), "__interrupted": OTHERS}
    keep_by_reference()
    response = answered("Update", request, provider_pb2.UpdateResponse(properties=_struct(news)))
    assert dict(response.properties) == news


class _Applied(LifecycleProvider):
    collection: ClassVar[str | None] = "members"

    def resource_id(self, props: dict[str, Any]) -> str:
        return "vip"

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        return news


class _Plain(_Applied):
    collection = None


@pytest.mark.parametrize("step", ["create", "update", "read"])
def test_a_converging_provider_lets_its_own_collection_alone_be_a_reference(step: str) -> None:
    props = codec.collection("members", MEMBERS, "ids")
    calls = {
        "create": ("create", props),
        "update": ("update", "vip", props, props),
        "read": ("read", "vip", props),
    }
    name, *args = calls[step]
    keep_by_reference()  # as the host starts every request
    getattr(_Applied(), str(name))(*args)
    assert kept_by_reference() == {"__members"}
    keep_by_reference()
    getattr(_Plain(), str(name))(*args)
    assert kept_by_reference() == set()


def test_a_created_resource_keeps_its_inputs_collection_by_reference() -> None:
    keep_by_reference("__members")
    request = _parsed("Create", properties={"__members": MEMBERS})
    response = answered(
        "Create", request, provider_pb2.CreateResponse(id="vip", properties=_struct({"__members": MEMBERS}))
    )
    assert dict(response.properties) == {"__members": codec.reference(MEMBERS)}


def test_a_read_keeps_by_reference_what_it_gives_back_as_inputs_and_drift_whole() -> None:
    keep_by_reference("__members")
    request = _parsed("Read", properties={"__members": MEMBERS}, inputs={"__members": MEMBERS})
    same = provider_pb2.ReadResponse(
        id="vip", properties=_struct({"__members": MEMBERS}), inputs=_struct({"__members": MEMBERS})
    )
    assert dict(answered("Read", request, same).properties) == {"__members": codec.reference(MEMBERS)}
    drift = provider_pb2.ReadResponse(
        id="vip", properties=_struct({"__members": OTHERS}), inputs=_struct({"__members": MEMBERS})
    )
    assert dict(answered("Read", request, drift).properties) == {"__members": OTHERS}
    assert dict(drift.inputs) == {"__members": MEMBERS}  # inputs are never references


@pytest.mark.parametrize(
    ("news", "said", "answer"),
    [
        (OTHERS, "DIFF_NONE", "DIFF_SOME"),  # the provider saw no change, but the reference moved
        (MEMBERS, "DIFF_NONE", "DIFF_NONE"),
        (OTHERS, "DIFF_SOME", "DIFF_SOME"),
        (None, "DIFF_NONE", "DIFF_SOME"),  # the collection left the inputs
    ],
)
def test_a_diff_whose_reference_no_longer_matches_the_inputs_is_a_change(
    news: str | None, said: str, answer: str
) -> None:
    request = _parsed(
        "Diff",
        olds={"__members": codec.reference(MEMBERS)},
        news={} if news is None else {"__members": news},
        old_inputs={"__members": MEMBERS},
    )
    changes = provider_pb2.DiffResponse.DiffChanges.Value(said)
    response = answered("Diff", request, provider_pb2.DiffResponse(changes=changes))
    assert provider_pb2.DiffResponse.DiffChanges.Name(response.changes) == answer


def test_exported_outputs_read_whole_through_their_inputs() -> None:
    inputs = {"__members": MEMBERS, "tag": "vip"}
    outputs = {**inputs, "__members": codec.reference(MEMBERS), "applied": True}
    assert codec.resolved(outputs, inputs) == {**inputs, "applied": True}
    assert codec.resolved(outputs, {"__members": OTHERS}) == outputs  # not the same: kept, and raises
