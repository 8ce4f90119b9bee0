"""Protobuf's wire format, read where its public API cannot help: a part of a message.

Protobuf parses a whole message or nothing; the provider host needs less. It parses a request's
fields one by one (lean.py) and reads the head of a collection's string in a Struct without
copying the string (references.py). So these walk the top-level fields of serialized bytes, handing
out slices of them; a body is never copied here.
"""

from __future__ import annotations

from collections.abc import Iterator

# Wire types (protobuf encoding): a varint, 8 bytes, a length-prefixed body, 4 bytes.
_VARINT, _FIXED64, _DELIMITED, _FIXED32 = 0, 1, 2, 5
# Field numbers of google.protobuf.Struct (its map's entries), of an entry, and of a Value's string.
_STRUCT_FIELDS, _ENTRY_KEY, _ENTRY_VALUE, _STRING_VALUE = 1, 1, 2, 3


def _varint(data: memoryview, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def fields(data: memoryview) -> Iterator[tuple[int, int, int, int]]:
    """(field number, start, body start, end) of each top-level field of a serialized message, in
    wire order; a body start equal to end means no length-prefixed body."""
    at, size = 0, len(data)
    while at < size:
        start = at
        tag, at = _varint(data, at)
        number, kind = tag >> 3, tag & 7
        if kind == _DELIMITED:
            length, body = _varint(data, at)
            at = body + length
        else:
            if kind == _VARINT:
                _, at = _varint(data, at)
            elif kind == _FIXED64:
                at += 8
            elif kind == _FIXED32:
                at += 4
            else:  # groups: none in Pulumi's protocol
                raise ValueError(f"unsupported wire type {kind} for field {number}")
            body = at
        if at > size:
            raise ValueError(f"field {number} runs past the end of the message ({at} > {size})")
        yield number, start, body, at


def struct_strings(data: memoryview) -> Iterator[tuple[str, memoryview, memoryview]]:
    """(key, the entry serialized as a Struct of it alone, its string value) of each entry of a
    serialized Struct whose value is a string, in wire order, without parsing or copying values."""
    for number, start, body, end in fields(data):
        if number != _STRUCT_FIELDS:
            continue
        key: str | None = None
        text: memoryview | None = None
        entry = data[body:end]
        for part, _, part_body, part_end in fields(entry):
            if part == _ENTRY_KEY:
                key = str(entry[part_body:part_end], "utf-8")
            elif part == _ENTRY_VALUE:
                value = entry[part_body:part_end]
                text = None  # a later value replaces an earlier one, as protobuf parses it
                for kind, _, string_body, string_end in fields(value):
                    text = value[string_body:string_end] if kind == _STRING_VALUE else None
        if key is not None and text is not None:
            yield key, data[start:end], text
