"""The host's lean requests (adapters/lean.py): what the servicer reads is what protobuf parses,
the skipped fields are not held, and a collection is held only until it is read."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from concurrent import futures
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from netmera_iac.adapters.lean import LEAN_REQUESTS, LeanHandler, NotHandedOut, parser
from netmera_iac.adapters.wire import fields

_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_props = st.dictionaries(st.text(max_size=12), _values, max_size=6)


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


@settings(max_examples=150, deadline=None)
@given(
    olds=_props,
    news=_props,
    old_inputs=_props,
    resource_id=st.text(max_size=20),
    preview=st.booleans(),
    timeout=st.floats(allow_nan=False, allow_infinity=False),
    ignore=st.lists(st.text(max_size=10), max_size=4),
)
def test_update_parsed_lean_reads_as_protobuf_parses_it(
    olds: dict[str, Any],
    news: dict[str, Any],
    old_inputs: dict[str, Any],
    resource_id: str,
    preview: bool,
    timeout: float,
    ignore: list[str],
) -> None:
    whole = provider_pb2.UpdateRequest(
        id=resource_id,
        urn="urn:pulumi:s::p::netmera:ProfileAttributes::profiles",
        olds=_struct(olds),
        news=_struct(news),
        old_inputs=_struct(old_inputs),
        preview=preview,
        timeout=timeout,
        ignoreChanges=ignore,
    )
    lean = parser(LEAN_REQUESTS["Update"])(whole.SerializeToString())
    assert lean.olds == whole.olds
    assert lean.news == whole.news
    assert (lean.id, lean.urn, lean.preview, lean.timeout) == (
        whole.id,
        whole.urn,
        whole.preview,
        whole.timeout,
    )
    assert list(lean.ignoreChanges) == list(whole.ignoreChanges)
    with pytest.raises(NotHandedOut, match="'old_inputs': skipped"):
        _ = lean.old_inputs  # never parsed: Pulumi's dynamic servicer does not read it


@pytest.mark.parametrize("name", sorted(LEAN_REQUESTS))
def test_every_lean_request_reads_its_fields_as_protobuf_parses_them_but_the_skipped(name: str) -> None:
    lean_request = LEAN_REQUESTS[name]
    whole = lean_request.request()
    for number, field in enumerate(whole.DESCRIPTOR.fields):
        if field.message_type is struct_pb2.Struct.DESCRIPTOR:
            getattr(whole, field.name).update({"__ids": f"{field.name}-{number}", "n": number})
        elif field.type == field.TYPE_STRING and field.label != field.LABEL_REPEATED:
            setattr(whole, field.name, f"{field.name}-{number}")
    lean = parser(lean_request)(whole.SerializeToString())
    for field in whole.DESCRIPTOR.fields:
        if field.name in lean_request.skipped:
            with pytest.raises(NotHandedOut, match="skipped"):
                getattr(lean, field.name)
        else:
            assert getattr(lean, field.name) == getattr(whole, field.name), field.name
    assert set(lean_request.once) <= {f.name for f in whole.DESCRIPTOR.fields}


def test_a_collection_read_twice_raises_rather_than_reading_empty() -> None:
    data = provider_pb2.CheckRequest(news=_struct({"__ids": "x"})).SerializeToString()
    lean = parser(LEAN_REQUESTS["Check"])(data)
    assert lean.news["__ids"] == "x"
    with pytest.raises(NotHandedOut, match="'news': handed out once already"):
        _ = lean.news


def test_a_field_repeated_on_the_wire_merges_as_protobuf_merges_it() -> None:
    first = provider_pb2.CreateRequest(urn="a", properties=_struct({"x": 1, "y": "old"}))
    second = provider_pb2.CreateRequest(properties=_struct({"y": "new", "z": True}))
    data = first.SerializeToString() + second.SerializeToString()
    whole = provider_pb2.CreateRequest.FromString(data)
    lean = parser(LEAN_REQUESTS["Create"])(data)
    properties = lean.properties
    assert properties == whole.properties
    assert dict(properties) == {"x": 1, "y": "new", "z": True}
    assert lean.urn == "a"


def test_a_truncated_message_is_refused() -> None:
    data = provider_pb2.UpdateRequest(news=_struct({"__ids": "x" * 300})).SerializeToString()
    with pytest.raises(ValueError, match="runs past the end"):
        list(fields(memoryview(data[:-10])))


class _Servicer(provider_pb2_grpc.ResourceProviderServicer):  # type: ignore[misc]
    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def Update(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.UpdateResponse:
        self.seen.append((request.id, dict(request.olds), dict(request.news)))
        return provider_pb2.UpdateResponse(properties=_struct({"done": True}))


def test_update_over_grpc_is_served_lean_and_other_methods_as_generated() -> None:
    servicer = _Servicer()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((LeanHandler(servicer, ["Update"]),))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            answer = stub.Update(
                provider_pb2.UpdateRequest(
                    id="profiles",
                    olds=_struct({"a": 1}),
                    news=_struct({"a": 2}),
                    old_inputs=_struct({"a": 0}),
                )
            )
            with pytest.raises(grpc.RpcError) as unimplemented:
                stub.Delete(provider_pb2.DeleteRequest(id="profiles"))
    finally:
        server.stop(0)
    assert servicer.seen == [("profiles", {"a": 1}, {"a": 2})]
    assert dict(answer.properties) == {"done": True}
    assert unimplemented.value.code() == grpc.StatusCode.UNIMPLEMENTED  # the generated handler's


# In a fresh interpreter: an Update of three 40 MB collections, parsed lean; the resident size after
# parsing and after the servicer's way of reading the two it reads (each once, then dropped).
_HELD = textwrap.dedent(
    """
    import base64, gc, os
    from google.protobuf import struct_pb2
    from pulumi.runtime import rpc
    from pulumi.runtime.proto import provider_pb2
    from netmera_iac.adapters.host import tuned_allocator
    from netmera_iac.adapters.lean import LEAN_REQUESTS, parser

    def resident_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024

    def props():
        struct = struct_pb2.Struct()
        struct.update({"__ids": base64.b64encode(os.urandom(30_000_000)).decode()})
        return struct

    release = tuned_allocator()
    data = provider_pb2.UpdateRequest(olds=props(), news=props(), old_inputs=props()).SerializeToString()
    gc.collect(); release()
    base = resident_mb()
    request = parser(LEAN_REQUESTS["Update"])(data)
    parsed = resident_mb() - base
    olds = rpc.deserialize_properties(request.olds)
    news = rpc.deserialize_properties(request.news)
    del olds, news
    gc.collect(); release()
    print(len(data) / 2**20, parsed, resident_mb() - base)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")
def test_memory_a_lean_update_holds_two_collections_until_read_and_none_after() -> None:
    run = subprocess.run([sys.executable, "-c", _HELD], capture_output=True, text=True, check=True)
    size, parsed, after = (float(x) for x in run.stdout.split())
    one = size / 3
    assert one > 35
    assert one * 1.5 < parsed < one * 2.5, (size, parsed)  # olds and news; old_inputs skipped
    assert after < one * 0.5, (size, after)  # read and dropped: freed, though the request lives on
