"""Reads usable in the Pulumi program, like a provider's invoke functions (`get_…`).

They run in the program process at every preview and update, with the stack's `netmera:apiKey` and
`netmera:baseUrl` (or NETMERA_API_KEY / NETMERA_BASE_URL), so desired state can be derived from live
Netmera data, e.g. tagging every user of a segment. Dynamic providers cannot serve invokes, hence
plain functions; each returns the documented response models, every page followed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import pulumi

from .client import ConfigurationError, Connection, NetmeraClient, NetmeraError, resolve_connection
from .engine import DesiredStateError
from .engine.errors import NetmeraIacError
from .models import Device, DeviceTokenEntry, Segment, SegmentUser


class ReadError(NetmeraIacError, ValueError):
    """A read could not be answered as asked (e.g. no segment of that name)."""


def _connection() -> Connection:
    config = pulumi.Config("netmera")
    return resolve_connection(lambda key: config.get(key.removeprefix("netmera:")))


@cache
def program_client() -> NetmeraClient:
    connection = _connection()
    return NetmeraClient(connection.api_key, connection.base_url, os=connection.os)


def check_api_key() -> None:
    """One cheap authenticated read (app/profile-attributes) at preview, so a wrong key or base URL
    fails the preview even when only tags change (their providers read nothing). Without a key the
    providers' own check says so; nothing is sent then."""
    try:
        connection = _connection()  # also checks netmera:os
    except ConfigurationError as exc:
        raise DesiredStateError([str(exc)]) from None
    if not connection.api_key:
        return
    try:
        program_client().app_profile_attributes()
    except NetmeraError as exc:
        where = "stack config netmera:apiKey / netmera:baseUrl"
        raise DesiredStateError([f"{where}: a test read failed, so nothing is planned: {exc}"]) from None


def get_segments() -> list[Segment]:
    """Active segments, newest first (getSegments; at most 1000, as Netmera answers)."""
    return program_client().get_segments().items


# Every getSegmentUsers answer of this run: it says which addresses and numbers a user holds, which the
# consent guard needs (families/consent/person.py).
SEEN_USERS: list[SegmentUser] = []


def get_segment_users(segment: int | str) -> list[SegmentUser]:
    """Every user of a segment given by id or by name (getSegmentUsers, all pages)."""
    segment_id = segment if isinstance(segment, int) else segment_id_of(segment, get_segments())
    users = list(program_client().get_segment_users(segment_id))
    SEEN_USERS.extend(u for u in users if u.external_id and (u.email or u.msisdn))
    return users


def segment_id_of(name: str, segments: Sequence[Segment]) -> int:
    """The id of the one segment of that name in a getSegments answer; none or several is an error."""
    matches = [s.id for s in segments if s.name == name]
    if len(matches) != 1:
        found = "no segment" if not matches else f"{len(matches)} segments"
        raise ReadError(f"getSegments: {found} named {name!r}; name the segment by its id instead")
    return matches[0]


def get_devices(ext_id: str, push_permitted: bool = False) -> list[Device]:
    """A user's installed devices (getDevices); an unknown user has none."""
    return program_client().get_devices(ext_id, push_permitted).devices


def get_device_tokens() -> list[DeviceTokenEntry]:
    """Every installation of the app (getDeviceTokens, all pages)."""
    return list(program_client().get_device_tokens(max_per_page=1000))


def get_profile_attributes(ext_id: str) -> dict[str, Any]:
    """A user's profile as Netmera returns it (getProfileAttributes; defined attributes only)."""
    return dict(program_client().get_profile_attributes(ext_id=ext_id).profile)
