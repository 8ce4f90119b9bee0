"""The other shapes Netmera is documented to answer reads in, so tests can run the product against
them end to end (`PUT /_emulator/answers {"shape": "alternative"}`, or `emulator serve --answers`).

Our emulator answers in the shapes the product's models were written from; Netmera has also been
described answering in others (shared/reference/netmera-api.md §4, tests/client/answers/): device
items with `deviceToken` and `installationId` instead of `token` and `deviceModel`, the current
getDeviceTokens without `pushPermitted`, extra fields beside every answer, null fields omitted, older
segment types without `userCount`. `alternative` rewrites each read's answer into those shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

Shape = Literal["documented", "alternative"]
SHAPES: tuple[Shape, ...] = ("documented", "alternative")
Payload = dict[str, Any]


def _devices(answer: Payload) -> Payload:
    devices = [
        {
            "installationId": f"inst-{d.get('token') or n}",
            "platform": d.get("platform"),
            **({"deviceToken": d["token"]} if d.get("token") else {}),
            "pushPermitted": d.get("pushPermitted"),
            "appVersion": "5.2.0",
        }
        for n, d in enumerate(answer.get("devices") or [])
    ]
    return {"devices": devices, "extId": answer.get("extId"), "requestedAt": 1764374400000}


def _device_tokens(answer: Payload) -> Payload:
    """The current documented shape: no permission, extId and deviceToken only when set."""
    return {
        **answer,
        "devices": [
            {k: v for k, v in d.items() if k != "pushPermitted"} for d in answer.get("devices") or []
        ],
    }


def _category_preferences(answer: Payload) -> Payload:
    names = sorted(answer.get("categoryPreferences") or {})
    return {**answer, "categoryIds": {name: n + 1 for n, name in enumerate(names)}}


def _profile_attributes(answer: Payload) -> Payload:
    return {**answer, "lastUpdated": 1764374400000}


def _app_profile_attributes(answer: Payload) -> Payload:
    def definition(attribute: Payload) -> Payload:
        rest = {k: v for k, v in attribute.items() if k != "name"}
        return {**rest, "label": attribute.get("name") or attribute["code"], "personalInfo": False}

    return {key: [definition(a) for a in value] for key, value in answer.items()}


def _segments(answer: Payload) -> Payload:
    return {
        "list": [
            {**{k: v for k, v in s.items() if k != "userCount"}, "createDate": 1764374400000}
            for s in answer.get("list") or []
        ]
    }


def _segment_users(answer: Payload) -> Payload:
    users = [{k: v for k, v in u.items() if v is not None} for u in answer.get("list") or []]
    return {**answer, "list": users, "segmentUserCount": len(users)}


ALTERNATIVE: dict[str, Callable[[Payload], Payload]] = {
    "getDevices": _devices,
    "getDeviceTokens": _device_tokens,
    "getCategoryPreferences": _category_preferences,
    "getProfileAttributes": _profile_attributes,
    "app/profile-attributes": _app_profile_attributes,
    "getSegments": _segments,
    "getSegmentUsers": _segment_users,
}


def reshape(shape: Shape, operation: str, answer: Payload) -> Payload:
    if shape == "alternative" and operation in ALTERNATIVE:
        return ALTERNATIVE[operation](answer)
    return answer
