"""The state keeps each collection once, with the inputs: the outputs hold a reference to it.

At a million profiles the collection is 39 MB, and a resource's outputs repeated its inputs' copy
(a provider applies what it was given, so the two are the same after every full apply). The engine
sends both in every Diff, Update and Delete, so that copy was a third of each request, half the
resource's state and most of what gRPC held while receiving (lean.py). Three rules keep it once, in
the provider host, so no provider ever sees or returns a reference:

1. **Written.** The answer to a Create or Update keeps a collection its request's inputs hold the
   same (by count and digest) as a reference (engine/codec.py: the head, no body), where the
   provider lets it (`process.keep_by_reference`: a converging family's own collection, whose every
   change its diff reports; not what a journal handed back or what is uncertain, which come and go
   between runs without an update). A Read's answer does so against the inputs it answers with.
   An answer that differs from the inputs (a partial apply, a refresh that saw drift) keeps its own
   collection.
2. **Resolved.** A request's outputs (`olds` of Diff and Update, `properties` of Read and Delete)
   get each referenced collection back from the request's inputs (`old_inputs`, or Read's `inputs`)
   before the servicer reads them: the inputs' map entry merged on the wire, so no Python copy is
   made. A reference the inputs do not hold the same stays, and raises when a provider decodes it.
3. **Kept true.** When a Diff finds no change, the engine keeps the old outputs beside the new
   inputs (its `same` step). So a Diff whose outputs held a collection by reference that the new
   inputs do not hold the same reports a change even where the provider saw none (a contact list
   whose new entries plan nothing): the update then sends nothing and writes outputs that resolve.

States written before references (full outputs) are read as they are.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2
from google.protobuf.message import Message
from pulumi.runtime.proto import provider_pb2

from ..engine import codec
from .process import kept_by_reference
from .wire import struct_strings

_HEAD = 128  # characters: more than a header (`nmc1:<count>:<64 hex>:`) takes


def _on_wire(text: memoryview) -> tuple[codec.Header | None, bool]:
    """The header of a string on the wire, and whether it is a reference (reads its head only)."""
    head = str(text[:_HEAD], "ascii", "replace")
    return codec.header(head), len(text) <= _HEAD and codec.is_reference(head)


def _last_of_each(wires: list[memoryview]) -> dict[str, tuple[codec.Header, bool]]:
    """Each key's collection in a Struct given on the wire (in parts, merged: a later entry of a key
    replaces an earlier one, as protobuf parses it): its header and whether it is a reference."""
    found: dict[str, tuple[codec.Header, bool]] = {}
    for wire in wires:
        for key, _, text in struct_strings(wire):
            head, is_reference = _on_wire(text)
            if head is None:
                found.pop(key, None)
            else:
                found[key] = (head, is_reference)
    return found


def heads(wires: list[memoryview]) -> dict[str, codec.Header]:
    """The header of each whole collection (not a reference) of a Struct given on the wire."""
    return {key: head for key, (head, is_reference) in _last_of_each(wires).items() if not is_reference}


def resolve(
    outputs: struct_pb2.Struct, outputs_wire: list[memoryview], inputs_wire: list[memoryview]
) -> dict[str, codec.Header]:
    """Merge into `outputs` the inputs' entry of each collection the outputs hold by reference, when
    the inputs hold the same one; the references, by key (rule 2)."""
    found = _last_of_each(outputs_wire)
    references = {key: head for key, (head, is_reference) in found.items() if is_reference}
    if references:
        for wire in inputs_wire:
            for key, entry, text in struct_strings(wire):
                head, is_reference = _on_wire(text)
                if key in references and head == references[key] and not is_reference:
                    outputs.MergeFromString(entry)  # a map entry of the same key replaces it
    return references


def _referenced(outputs: struct_pb2.Struct, inputs: dict[str, codec.Header]) -> None:
    """Keep each collection of `outputs` that `inputs` holds the same as a reference, where the
    provider lets it (rule 1)."""
    for key in sorted(inputs.keys() & outputs.fields.keys() & kept_by_reference()):
        value = outputs.fields[key]
        if value.WhichOneof("kind") != "string_value":
            continue
        text = value.string_value  # one collection's copy at a time
        if not codec.is_reference(text) and codec.header(text) == inputs[key]:
            value.string_value = codec.reference(text)
        del text


def _string_heads(props: struct_pb2.Struct, keys: frozenset[str]) -> dict[str, codec.Header]:
    """The headers of the whole collections `props` holds under `keys` (read one at a time)."""
    found = {}
    for key in sorted(keys & props.fields.keys()):
        value = props.fields[key]
        if value.WhichOneof("kind") == "string_value":
            text = value.string_value
            head = codec.header(text)
            if head is not None and not codec.is_reference(text):
                found[key] = head
            del text
    return found


def answered(method: str, request: Any, response: Message) -> Message:
    """`response` with rules 1 and 3 applied; `request` as lean.py parsed it (an answer to a request
    parsed otherwise is left as it is)."""
    if method in ("Create", "Update"):
        _referenced(response.properties, getattr(request, "heads", None) or {})
    elif method == "Read":
        _referenced(response.properties, _string_heads(response.inputs, kept_by_reference()))
    elif method == "Diff":
        references: dict[str, codec.Header] = getattr(request, "references", None) or {}
        news: dict[str, codec.Header] = getattr(request, "heads", None) or {}
        moved = any(news.get(key) != head for key, head in references.items())
        if moved and response.changes == provider_pb2.DiffResponse.DIFF_NONE:
            response.changes = provider_pb2.DiffResponse.DIFF_SOME
    return response
