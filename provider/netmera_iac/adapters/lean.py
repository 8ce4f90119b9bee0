"""Requests of a million users, parsed without the copies Pulumi's host never reads.

An `Update` of one profiles resource at 1,000,000 users carries three collections of ~39 MB (the
old outputs, the new inputs and the old inputs); `Check` and `Diff` carry three too. gRPC hands the
host each message as bytes, which it keeps until the call ends; the generated deserializer parses
all of it into one protobuf message, which the servicer also keeps until it returns, while it turns
two of the three collections into Python strings and the provider works on them.

So the host's requests that carry collections are parsed here instead. The fields the servicer
never reads are skipped (`old_inputs`, and `Check`'s `old_outputs`: Pulumi's dynamic providers see
the old outputs or the old inputs, never both). Each field that carries the collections (`olds`,
`news`, `properties`) is a message of its own, handed out once, so it is freed as soon as the
servicer has turned it into Python values. The rest is the generated message, as protobuf parses
it. A field handed out is not handed out again: a second read raises, because an empty value there
would read as an empty state.

Parsing is also where the outputs get back a collection they keep by reference to the inputs
(references.py): merged from the inputs' bytes before the servicer reads the outputs. The parsed
request keeps the references it met and the headers of its new inputs' collections, for the
answer's rules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import struct_pb2
from google.protobuf.message import Message
from pulumi.runtime.proto import provider_pb2

from ..engine import codec
from ..engine.errors import NetmeraIacError
from .references import heads, resolve
from .wire import fields

SERVICE = "pulumirpc.ResourceProvider"


@dataclass(frozen=True)
class LeanRequest:
    """One request type as the host parses it."""

    request: type[Message]
    once: tuple[str, ...]  # Struct fields handed out once
    skipped: tuple[str, ...] = ()  # fields Pulumi's dynamic servicer never reads
    # (the outputs, the inputs they resolve from): both Struct fields, the first one handed out once
    resolves: tuple[str, str] | None = None
    news: str | None = None  # the new inputs, whose collections' headers are kept


LEAN_REQUESTS: dict[str, LeanRequest] = {
    "Check": LeanRequest(provider_pb2.CheckRequest, ("olds", "news"), ("old_outputs",)),
    "Diff": LeanRequest(
        provider_pb2.DiffRequest, ("olds", "news"), ("old_inputs",), ("olds", "old_inputs"), "news"
    ),
    "Update": LeanRequest(
        provider_pb2.UpdateRequest, ("olds", "news"), ("old_inputs",), ("olds", "old_inputs"), "news"
    ),
    "Create": LeanRequest(provider_pb2.CreateRequest, ("properties",), news="properties"),
    # `inputs` stays with the rest: the servicer reads it twice when the outputs are empty.
    "Read": LeanRequest(provider_pb2.ReadRequest, ("properties",), resolves=("properties", "inputs")),
    "Delete": LeanRequest(
        provider_pb2.DeleteRequest, ("properties",), ("old_inputs",), ("properties", "old_inputs")
    ),
}


class NotHandedOut(NetmeraIacError, RuntimeError):
    """A field the host did not parse (skipped, or handed out already) was read: a Pulumi whose
    servicer reads more than this one's must not see it empty."""


class Parsed:
    """The request's other fields, and its collections handed out once each."""

    def __init__(
        self,
        rest: Message,
        once: dict[str, struct_pb2.Struct],
        skipped: tuple[str, ...],
        references: dict[str, codec.Header] | None = None,
        heads: dict[str, codec.Header] | None = None,
    ) -> None:
        self._rest = rest
        self._once = once
        self._gone = {name: "skipped" for name in skipped}
        self.references = references or {}  # the outputs' collections held by reference, by key
        self.heads = heads or {}  # the headers of the new inputs' collections, by key

    def __getattr__(self, name: str) -> Any:
        once, gone = self.__dict__["_once"], self.__dict__["_gone"]
        if name in once:
            gone[name] = "handed out once already"
            return once.pop(name)
        if name in gone:
            raise NotHandedOut(f"the provider host did not keep the request's {name!r}: {gone[name]}")
        return getattr(self.__dict__["_rest"], name)


def parser(lean: LeanRequest) -> Callable[[bytes], Parsed]:
    by_name = lean.request.DESCRIPTOR.fields_by_name
    once = {by_name[name].number: name for name in lean.once}
    skipped = {by_name[name].number for name in lean.skipped}
    outputs, inputs = (by_name[name].number for name in lean.resolves) if lean.resolves else (-1, -1)
    news = by_name[lean.news].number if lean.news else -1

    def parse(data: bytes) -> Parsed:
        view = memoryview(data)
        rest, structs = lean.request(), {name: struct_pb2.Struct() for name in lean.once}
        wires: dict[int, list[memoryview]] = {outputs: [], inputs: [], news: []}
        for number, start, body, end in fields(view):
            if number in wires:
                wires[number].append(view[body:end])
            if number in skipped:
                continue
            if number in once:  # a field repeated on the wire merges, as protobuf merges it
                structs[once[number]].MergeFromString(view[body:end])
            else:
                rest.MergeFromString(view[start:end])
        references = None
        if lean.resolves:
            references = resolve(structs[lean.resolves[0]], wires[outputs], wires[inputs])
        return Parsed(rest, structs, lean.skipped, references, heads(wires[news]))

    return parse


def _serialized(response: Message) -> bytes:
    """Whatever message the servicer answers with serializes itself (the generated handler's
    serializers are each type's `SerializeToString`)."""
    serialized: bytes = response.SerializeToString()
    return serialized


class LeanHandler(grpc.GenericRpcHandler):  # type: ignore[misc]
    """Serves the lean requests with the servicer's own methods; gRPC asks it before the generated
    handler, which keeps every other method."""

    def __init__(self, servicer: Any, names: Sequence[str] = tuple(LEAN_REQUESTS)) -> None:
        self._handlers = {
            f"/{SERVICE}/{name}": grpc.unary_unary_rpc_method_handler(
                getattr(servicer, name),
                request_deserializer=parser(LEAN_REQUESTS[name]),
                response_serializer=_serialized,
            )
            for name in names
        }

    def service(self, handler_call_details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        return self._handlers.get(handler_call_details.method)
