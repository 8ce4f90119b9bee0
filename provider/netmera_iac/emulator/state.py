"""The emulator's rules: one method per Netmera operation, named after it (as moto does).

Behaviour follows shared/reference/netmera-api.md: writes for unknown users are silent no-ops,
profile values Netmera cannot use are dropped without an error, push/pull treat arrays as sets, and
so on. Each method runs in one store transaction. Routes parse the HTTP request and call these;
nothing here knows about HTTP beyond raising `EmulatorError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ..models import (
    AppProfileAttributesResponse,
    AttributeDefinition,
    CategoryPreferencesResponse,
    Device,
    DevicesResponse,
    DeviceTokenEntry,
    DeviceTokensResponse,
    ProfileAttributesResponse,
    Segment,
    SegmentsResponse,
    SegmentUser,
    SegmentUsersResponse,
)
from . import errors
from .storage import Store

# Loose on purpose: Netmera rejects what is clearly not an address, not every RFC corner case.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_DEVICE_PAGE = 1000
SEGMENT_PAGE_MIN, SEGMENT_PAGE_MAX = 100, 1000


def _placeholders(n: int) -> str:
    return ",".join("?" * n)


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def valid_scalar(data_type: str, value: Any) -> bool:
    if isinstance(value, bool):
        return data_type == "BOOLEAN"
    if data_type == "STRING":
        return isinstance(value, str)
    if data_type in ("INTEGER", "DATE"):  # DATE is epoch milliseconds
        return isinstance(value, int)
    if data_type == "DOUBLE":
        return isinstance(value, int | float)
    return False


def valid_value(definition: AttributeDefinition, value: Any) -> bool:
    if value is None:
        return False
    if definition.is_array:
        return isinstance(value, list) and all(valid_scalar(definition.data_type, v) for v in value)
    return valid_scalar(definition.data_type, value)


def same_value(a: Any, b: Any) -> bool:
    """Equality that keeps `True` and `1` apart, as JSON does."""
    return type(a) is type(b) and a == b


def encode_page_token(segment_id: int, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{segment_id}:{offset}".encode()).decode().rstrip("=")


def decode_page_token(segment_id: int, token: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        seg, offset = raw.split(":")
        if int(seg) != segment_id or int(offset) < 0:
            raise ValueError(token)
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise errors.wrong_type("offset", "a page token returned by getSegmentUsers") from None


class Backend:
    """State of every app in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- apps -------------------------------------------------------------------------------------
    def app_for_key(self, api_key: str | None) -> str:
        if not api_key:
            raise errors.invalid_api_key()
        with self.store.transaction() as db:
            row = db.execute("SELECT app_id FROM api_keys WHERE api_key = ?", (api_key,)).fetchone()
        if row is None:
            raise errors.invalid_api_key()
        return str(row["app_id"])

    def _definitions(self, db: sqlite3.Connection, app: str) -> dict[str, AttributeDefinition]:
        rows = db.execute(
            "SELECT code, name, data_type, is_array FROM attribute_defs WHERE app_id = ?", (app,)
        ).fetchall()
        return {
            r["code"]: AttributeDefinition(
                code=r["code"], name=r["name"], data_type=r["data_type"], is_array=bool(r["is_array"])
            )
            for r in rows
        }

    def _known_users(self, db: sqlite3.Connection, app: str, ext_ids: Sequence[str]) -> list[str]:
        known: list[str] = []
        unique = list(dict.fromkeys(ext_ids))
        for chunk in _chunks(unique):
            rows = db.execute(
                f"SELECT ext_id FROM users WHERE app_id = ? AND ext_id IN ({_placeholders(len(chunk))})",
                (app, *chunk),
            ).fetchall()
            known.extend(r["ext_id"] for r in rows)
        return known

    @staticmethod
    def _load_profile(db: sqlite3.Connection, app: str, ext_id: str) -> dict[str, Any] | None:
        row = db.execute(
            "SELECT profile FROM users WHERE app_id = ? AND ext_id = ?", (app, ext_id)
        ).fetchone()
        return None if row is None else dict(json.loads(row["profile"]))

    @staticmethod
    def _store_profile(db: sqlite3.Connection, app: str, ext_id: str, profile: dict[str, Any]) -> None:
        db.execute(
            "UPDATE users SET profile = ? WHERE app_id = ? AND ext_id = ?",
            (json.dumps(profile, sort_keys=True), app, ext_id),
        )

    def _user_for_device(self, db: sqlite3.Connection, app: str, token: str) -> str | None:
        row = db.execute(
            "SELECT ext_id FROM devices WHERE app_id = ? AND token = ? AND ext_id IS NOT NULL",
            (app, token),
        ).fetchone()
        return None if row is None else str(row["ext_id"])

    # -- users ------------------------------------------------------------------------------------
    def delete_users_permanently(self, app: str, ext_ids: list[str]) -> None:
        with self.store.transaction() as db:
            known = set(self._known_users(db, app, ext_ids))
            for ext_id in ext_ids:
                if ext_id not in known:
                    # Fails the whole request: nothing is deleted (netmera-api.md §2, §4).
                    raise errors.user_not_found(ext_id)
            for chunk in _chunks(sorted(known)):
                marks = _placeholders(len(chunk))
                for table in ("users", "user_tags", "category_prefs", "devices", "segment_members"):
                    db.execute(f"DELETE FROM {table} WHERE app_id = ? AND ext_id IN ({marks})", (app, *chunk))

    # -- push permission ----------------------------------------------------------------------------
    def _set_push(self, app: str, ext_id: str | None, device_token: str | None, permitted: bool) -> None:
        if not ext_id and not device_token:
            raise errors.missing_parameter("extId or deviceToken")
        with self.store.transaction() as db:
            if ext_id:  # extId wins when both are sent
                db.execute(
                    "UPDATE devices SET push_permitted = ? WHERE app_id = ? AND ext_id = ?",
                    (int(permitted), app, ext_id),
                )
            else:
                db.execute(
                    "UPDATE devices SET push_permitted = ? WHERE app_id = ? AND token = ?",
                    (int(permitted), app, device_token),
                )

    def enable_push(self, app: str, ext_id: str | None, device_token: str | None) -> None:
        self._set_push(app, ext_id, device_token, True)

    def disable_push(self, app: str, ext_id: str | None, device_token: str | None) -> None:
        self._set_push(app, ext_id, device_token, False)

    # -- tags -------------------------------------------------------------------------------------
    def tag_users(self, app: str, tags: list[str], ext_ids: list[str]) -> None:
        with self.store.transaction() as db:
            known = self._known_users(db, app, ext_ids)
            db.executemany(
                "INSERT OR IGNORE INTO user_tags (app_id, tag, ext_id) VALUES (?, ?, ?)",
                [(app, tag, ext_id) for tag in tags for ext_id in known],
            )

    def untag_users(self, app: str, tags: list[str], ext_ids: list[str]) -> list[str]:
        """Returns the ids the app does not know (answered only with `checkExistence`)."""
        with self.store.transaction() as db:
            db.executemany(
                "DELETE FROM user_tags WHERE app_id = ? AND tag = ? AND ext_id = ?",
                [(app, tag, ext_id) for tag in tags for ext_id in dict.fromkeys(ext_ids)],
            )
            known = set(self._known_users(db, app, ext_ids))
        return [i for i in dict.fromkeys(ext_ids) if i not in known]

    # -- category preferences -----------------------------------------------------------------------
    def set_category_preferences(self, app: str, entries: list[Any]) -> None:
        """Entries Netmera cannot use (no category, unknown category or channel) are skipped."""
        with self.store.transaction() as db:
            channels_of = {
                r["name"]: json.loads(r["channels"])
                for r in db.execute("SELECT name, channels FROM categories WHERE app_id = ?", (app,))
            }
            ids = [e["extId"] for e in entries if isinstance(e, dict) and isinstance(e.get("extId"), str)]
            known = set(self._known_users(db, app, ids))
            rows: list[tuple[str, str, str, str, int]] = []
            for entry in entries:
                if not isinstance(entry, dict):
                    continue
                ext_id, category = entry.get("extId"), entry.get("category")
                enable, channel = entry.get("enable"), entry.get("channel")
                if not (isinstance(ext_id, str) and isinstance(category, str) and isinstance(enable, bool)):
                    continue
                if ext_id not in known or category not in channels_of:
                    continue
                if channel is None:
                    targets = channels_of[category]
                elif isinstance(channel, str) and channel in channels_of[category]:
                    targets = [channel]
                else:
                    continue
                rows.extend((app, ext_id, category, ch, int(enable)) for ch in targets)
            db.executemany(
                "INSERT INTO category_prefs (app_id, ext_id, category, channel, enabled) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (app_id, ext_id, category, channel) "
                "DO UPDATE SET enabled = excluded.enabled",
                rows,
            )

    def get_category_preferences(
        self, app: str, external_id: str, channels: list[str] | None
    ) -> CategoryPreferencesResponse:
        """Per category: opted in unless opted out on one of the selected channels (default: all)."""
        with self.store.transaction() as db:
            if not self._known_users(db, app, [external_id]):
                return CategoryPreferencesResponse()
            stored: dict[tuple[str, str], bool] = {
                (r["category"], r["channel"]): bool(r["enabled"])
                for r in db.execute(
                    "SELECT category, channel, enabled FROM category_prefs WHERE app_id = ? AND ext_id = ?",
                    (app, external_id),
                )
            }
            result: dict[str, bool] = {}
            for row in db.execute("SELECT name, channels FROM categories WHERE app_id = ?", (app,)):
                selected = [c for c in json.loads(row["channels"]) if channels is None or c in channels]
                if selected:
                    result[row["name"]] = all(stored.get((row["name"], c), True) for c in selected)
        return CategoryPreferencesResponse(category_preferences=result)

    # -- profile attributes -------------------------------------------------------------------------
    def set_profile_attributes(self, app: str, entries: list[Any]) -> None:
        """Undefined keys, wrong types and nulls are dropped; 2009 only if no entry is usable."""
        with self.store.transaction() as db:
            definitions = self._definitions(db, app)
            usable: list[tuple[str, dict[str, Any]]] = []
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("extId"), str):
                    continue
                profile = entry.get("profile")
                if not isinstance(profile, dict):
                    continue
                values = {
                    k: v for k, v in profile.items() if k in definitions and valid_value(definitions[k], v)
                }
                if values:
                    usable.append((entry["extId"], values))
            if not usable:
                raise errors.invalid_json()
            for ext_id, values in usable:
                current = self._load_profile(db, app, ext_id)
                if current is not None:
                    current.update(values)  # arrays are replaced whole
                    self._store_profile(db, app, ext_id, current)

    def unset_profile_attributes(self, app: str, entries: list[tuple[str, list[str]]]) -> None:
        with self.store.transaction() as db:
            for ext_id, keys in entries:
                current = self._load_profile(db, app, ext_id)
                if current is not None and any(k in current for k in keys):
                    self._store_profile(db, app, ext_id, {k: v for k, v in current.items() if k not in keys})

    def delete_profile_attributes(self, app: str, keys: list[str]) -> None:
        doomed = set(keys)
        with self.store.transaction() as db:
            rows = db.execute("SELECT ext_id, profile FROM users WHERE app_id = ?", (app,)).fetchall()
            for row in rows:
                profile = json.loads(row["profile"])
                if doomed & profile.keys():
                    kept = {k: v for k, v in profile.items() if k not in doomed}
                    self._store_profile(db, app, row["ext_id"], kept)

    def delete_profile_attribute_value(self, app: str, pairs: list[tuple[str, Any]]) -> None:
        with self.store.transaction() as db:
            rows = db.execute("SELECT ext_id, profile FROM users WHERE app_id = ?", (app,)).fetchall()
            for row in rows:
                profile = json.loads(row["profile"])
                changed = False
                for key, value in pairs:
                    current = profile.get(key)
                    if isinstance(current, list):
                        kept = [v for v in current if not same_value(v, value)]
                        if len(kept) != len(current):
                            profile[key], changed = kept, True
                    elif key in profile and same_value(current, value):
                        del profile[key]
                        changed = True
                if changed:
                    self._store_profile(db, app, row["ext_id"], profile)

    def _array_entries(
        self, db: sqlite3.Connection, app: str, entries: list[Any]
    ) -> list[tuple[str, dict[str, list[Any]]]]:
        """Usable push/pull entries; one bad attribute rejects its whole entry (netmera-api.md §4)."""
        definitions = self._definitions(db, app)
        usable: list[tuple[str, dict[str, list[Any]]]] = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("profile"), dict):
                continue
            ext_id = entry.get("extId")
            if not isinstance(ext_id, str):
                token = entry.get("deviceToken")
                ext_id = self._user_for_device(db, app, token) if isinstance(token, str) else None
                if ext_id is None and not isinstance(token, str):
                    continue
            profile: dict[str, Any] = entry["profile"]
            if not profile or not all(
                k in definitions and definitions[k].is_array and valid_value(definitions[k], v)
                for k, v in profile.items()
            ):
                continue
            usable.append((ext_id or "", profile))
        if not usable:
            raise errors.invalid_json()
        return usable

    def push_profile_attributes(self, app: str, entries: list[Any]) -> None:
        with self.store.transaction() as db:
            for ext_id, values in self._array_entries(db, app, entries):
                current = self._load_profile(db, app, ext_id)
                if current is None:
                    continue
                for key, added in values.items():
                    merged = list(current.get(key) or [])
                    for value in added:
                        if not any(same_value(value, v) for v in merged):
                            merged.append(value)
                    current[key] = merged
                self._store_profile(db, app, ext_id, current)

    def pull_profile_attributes(self, app: str, entries: list[Any]) -> None:
        with self.store.transaction() as db:
            for ext_id, values in self._array_entries(db, app, entries):
                current = self._load_profile(db, app, ext_id)
                if current is None:
                    continue
                for key, removed in values.items():
                    if isinstance(current.get(key), list):
                        current[key] = [v for v in current[key] if not any(same_value(v, r) for r in removed)]
                self._store_profile(db, app, ext_id, current)

    def get_profile_attributes(
        self, app: str, ext_id: str | None, device_token: str | None
    ) -> ProfileAttributesResponse:
        if not ext_id and not device_token:
            raise errors.missing_parameter("extId")
        with self.store.transaction() as db:
            user = ext_id or self._user_for_device(db, app, device_token or "")
            profile = self._load_profile(db, app, user) if user else None
            definitions = self._definitions(db, app)
        # Only attributes still defined in the app are returned.
        shown = {k: v for k, v in (profile or {}).items() if k in definitions}
        return ProfileAttributesResponse(ext_id=ext_id, profile=shown)

    def app_profile_attributes(self, app: str) -> AppProfileAttributesResponse:
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT code, name, data_type, is_array, standard FROM attribute_defs "
                "WHERE app_id = ? ORDER BY code",
                (app,),
            ).fetchall()
        standard: list[AttributeDefinition] = []
        custom: list[AttributeDefinition] = []
        for r in rows:
            definition = AttributeDefinition(
                code=r["code"], name=r["name"], data_type=r["data_type"], is_array=bool(r["is_array"])
            )
            (standard if r["standard"] else custom).append(definition)
        return AppProfileAttributesResponse(
            standard_profile_attributes=standard, custom_profile_attributes=custom
        )

    # -- devices ----------------------------------------------------------------------------------
    def get_devices(self, app: str, ext_id: str, push_permitted: bool) -> DevicesResponse:
        query = (
            "SELECT platform, token, device_model, push_permitted FROM devices "
            "WHERE app_id = ? AND ext_id = ?"
        )
        if push_permitted:
            query += " AND push_permitted = 1"
        with self.store.transaction() as db:
            rows = db.execute(query + " ORDER BY installation_id", (app, ext_id)).fetchall()
        return DevicesResponse(
            ext_id=ext_id,
            devices=[
                Device(
                    platform=r["platform"],
                    token=r["token"],
                    device_model=r["device_model"],
                    push_permitted=bool(r["push_permitted"]),
                )
                for r in rows
            ],
        )

    def get_device_tokens(self, app: str, limit: int, offset: int, page_url: str) -> DeviceTokensResponse:
        """`page_url` is this route's absolute URL on the host that served the request."""
        if limit < 1:
            raise errors.wrong_type("max", "a positive number")
        if offset < 0:
            raise errors.wrong_type("offset", "a non-negative number")
        limit = min(limit, MAX_DEVICE_PAGE)
        with self.store.transaction() as db:
            total = db.execute("SELECT COUNT(*) FROM devices WHERE app_id = ?", (app,)).fetchone()[0]
            rows = db.execute(
                "SELECT installation_id, platform, ext_id, token, push_permitted FROM devices "
                "WHERE app_id = ? ORDER BY installation_id LIMIT ? OFFSET ?",
                (app, limit, offset),
            ).fetchall()
        next_offset = offset + limit
        return DeviceTokensResponse(
            next_page=f"{page_url}?offset={next_offset}&max={limit}" if next_offset < total else None,
            total=total,
            devices=[
                DeviceTokenEntry(
                    installation_id=r["installation_id"],
                    platform=r["platform"],
                    ext_id=r["ext_id"],
                    device_token=r["token"] or None,
                    push_permitted=bool(r["push_permitted"]),
                )
                for r in rows
            ],
        )

    # -- segments ---------------------------------------------------------------------------------
    def get_segments(self, app: str) -> SegmentsResponse:
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT s.id, s.name, s.type, (SELECT COUNT(*) FROM segment_members m "
                "WHERE m.app_id = s.app_id AND m.segment_id = s.id) AS members "
                "FROM segments s WHERE s.app_id = ? ORDER BY s.created DESC, s.id DESC LIMIT 1000",
                (app,),
            ).fetchall()
        return SegmentsResponse(
            items=[
                Segment(
                    id=r["id"],
                    name=r["name"],
                    type=r["type"],
                    user_count=None if r["type"] == "CONNECTORS_SEGMENT" else r["members"],
                )
                for r in rows
            ]
        )

    def get_segment_users(
        self, app: str, segment_id: int, limit: int, token: str | None, page_url: str
    ) -> SegmentUsersResponse:
        if limit > SEGMENT_PAGE_MAX:
            raise errors.wrong_type("max", f"at most {SEGMENT_PAGE_MAX}")
        limit = max(limit, SEGMENT_PAGE_MIN)  # "Even if a value less than 100 is entered, it returns 100"
        offset = decode_page_token(segment_id, token) if token else 0
        with self.store.transaction() as db:
            segment = db.execute(
                "SELECT name, type FROM segments WHERE app_id = ? AND id = ?", (app, segment_id)
            ).fetchone()
            if segment is None:
                raise errors.segment_not_found(segment_id)
            if segment["type"] == "CONNECTORS_SEGMENT":
                raise errors.retry_later()
            rows = db.execute(
                "SELECT m.ext_id, u.msisdn, u.email FROM segment_members m LEFT JOIN users u "
                "ON u.app_id = m.app_id AND u.ext_id = m.ext_id "
                "WHERE m.app_id = ? AND m.segment_id = ? ORDER BY m.ext_id LIMIT ? OFFSET ?",
                (app, segment_id, limit + 1, offset),
            ).fetchall()
        more = len(rows) > limit
        next_page = None
        if more:
            token = encode_page_token(segment_id, offset + limit)
            next_page = f"{page_url}?id={segment_id}&max={limit}&offset={token}"
        return SegmentUsersResponse(
            name=segment["name"],
            items=[
                SegmentUser(external_id=r["ext_id"], msisdn=r["msisdn"], email=r["email"])
                for r in rows[:limit]
            ],
            next_page=next_page,
        )

    # -- push approval ----------------------------------------------------------------------------
    def send_push_approval(self, app: str, message_ids: list[int]) -> None:
        with self.store.transaction() as db:
            for message_id in message_ids:
                row = db.execute(
                    "SELECT 1 FROM messages WHERE app_id = ? AND message_id = ?", (app, message_id)
                ).fetchone()
                if row is None:
                    raise errors.message_not_found(message_id)
            db.executemany(
                "UPDATE messages SET approved = 1 WHERE app_id = ? AND message_id = ?",
                [(app, m) for m in message_ids],
            )

    # -- email and SMS ----------------------------------------------------------------------------
    def _set_permission(
        self,
        app: str,
        column: str,
        contact_column: str,
        ext_ids: list[str] | None,
        contacts: list[str] | None,
        permitted: bool,
    ) -> None:
        if ext_ids is None and contacts is None:
            raise errors.missing_parameter("extIds")
        with self.store.transaction() as db:
            for chunk in _chunks(list(dict.fromkeys(ext_ids or []))):
                db.execute(
                    f"UPDATE users SET {column} = ? WHERE app_id = ? "
                    f"AND ext_id IN ({_placeholders(len(chunk))})",
                    (int(permitted), app, *chunk),
                )
            # Several users may share one address; all of them change (netmera-api.md §4).
            for chunk in _chunks(list(dict.fromkeys(contacts or []))):
                db.execute(
                    f"UPDATE users SET {column} = ? WHERE app_id = ? "
                    f"AND {contact_column} IN ({_placeholders(len(chunk))})",
                    (int(permitted), app, *chunk),
                )

    @staticmethod
    def _check_addresses(addresses: list[str] | None) -> None:
        for address in addresses or []:
            if not EMAIL_RE.match(address):
                raise errors.invalid_address(address)  # one bad address fails the whole request

    def enable_mail(self, app: str, ext_ids: list[str] | None, email_list: list[str] | None) -> None:
        self._check_addresses(email_list)
        self._set_permission(app, "email_permitted", "email", ext_ids, email_list, True)

    def disable_mail(self, app: str, ext_ids: list[str] | None, email_list: list[str] | None) -> None:
        self._check_addresses(email_list)
        self._set_permission(app, "email_permitted", "email", ext_ids, email_list, False)

    def enable_sms(self, app: str, ext_ids: list[str] | None, msisdn_list: list[str] | None) -> None:
        self._set_permission(app, "sms_permitted", "msisdn", ext_ids, msisdn_list, True)

    def disable_sms(self, app: str, ext_ids: list[str] | None, msisdn_list: list[str] | None) -> None:
        self._set_permission(app, "sms_permitted", "msisdn", ext_ids, msisdn_list, False)

    def update_email(self, app: str, ext_id: str, email: str) -> None:
        if not email.strip():
            return  # blank: answered 200, address kept
        with self.store.transaction() as db:
            if not self._known_users(db, app, [ext_id]):
                return
            db.execute(
                "UPDATE users SET email = NULL WHERE app_id = ? AND email = ? AND ext_id != ?",
                (app, email, ext_id),
            )
            db.execute("UPDATE users SET email = ? WHERE app_id = ? AND ext_id = ?", (email, app, ext_id))

    def update_msisdn(self, app: str, ext_id: str, msisdn: str) -> None:
        with self.store.transaction() as db:
            if not self._known_users(db, app, [ext_id]):
                return
            if msisdn == "":
                # Stored as given, and SMS permission is reset (netmera-api.md §4).
                db.execute(
                    "UPDATE users SET msisdn = '', sms_permitted = 0 WHERE app_id = ? AND ext_id = ?",
                    (app, ext_id),
                )
                return
            db.execute(
                "UPDATE users SET msisdn = NULL WHERE app_id = ? AND msisdn = ? AND ext_id != ?",
                (app, msisdn, ext_id),
            )
            db.execute("UPDATE users SET msisdn = ? WHERE app_id = ? AND ext_id = ?", (msisdn, app, ext_id))

    # -- inspection (test-only routes) --------------------------------------------------------------
    def tags_of_user(self, app: str, ext_id: str) -> list[str]:
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT tag FROM user_tags WHERE app_id = ? AND ext_id = ? ORDER BY tag", (app, ext_id)
            ).fetchall()
        return [r["tag"] for r in rows]

    def users_of_tag(self, app: str, tag: str) -> list[str]:
        with self.store.transaction() as db:
            rows = db.execute(
                "SELECT ext_id FROM user_tags WHERE app_id = ? AND tag = ? ORDER BY ext_id", (app, tag)
            ).fetchall()
        return [r["ext_id"] for r in rows]

    def contact_of_user(self, app: str, ext_id: str) -> dict[str, Any] | None:
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT email, msisdn, email_permitted, sms_permitted FROM users "
                "WHERE app_id = ? AND ext_id = ?",
                (app, ext_id),
            ).fetchone()
        if row is None:
            return None
        return {
            "extId": ext_id,
            "email": row["email"],
            "msisdn": row["msisdn"],
            "emailPermitted": bool(row["email_permitted"]),
            "smsPermitted": bool(row["sms_permitted"]),
        }

    def message_approved(self, app: str, message_id: int) -> bool | None:
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT approved FROM messages WHERE app_id = ? AND message_id = ?", (app, message_id)
            ).fetchone()
        return None if row is None else bool(row["approved"])

    def app_ids(self) -> list[str]:
        with self.store.transaction() as db:
            return [r["app_id"] for r in db.execute("SELECT app_id FROM apps ORDER BY app_id")]
