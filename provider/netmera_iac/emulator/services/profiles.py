"""Profile attributes: set, unset, push/pull array values, delete, and the app's definitions.

Values Netmera cannot use (undefined keys, wrong types, nulls) are dropped without an error
(shared/reference/netmera-api.md §4); push/pull treat arrays as sets.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from ...models import (
    AppProfileAttributesResponse,
    AttributeDefinition,
    DeleteProfileAttributesEntry,
    DeleteProfileAttributeValueEntry,
    ProfileAttributesResponse,
    UnsetProfileEntry,
)
from .. import errors
from ..http import (
    AppId,
    WriteRoute,
    add_writes,
    api_router,
    call,
    json_response,
    raw_entry_ids,
    state_of,
)
from .base import StateBase


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


class ProfilesState(StateBase):
    """Values the app cannot use are dropped without an error, as Netmera does."""

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


router = api_router()
add_writes(
    router,
    ProfilesState,
    (
        *(
            WriteRoute(name, ids=raw_entry_ids)
            for name in ("setProfileAttributes", "pushProfileAttributes", "pullProfileAttributes")
        ),
        WriteRoute(
            "unsetProfileAttributes",
            UnsetProfileEntry,
            lambda body: ([(e.ext_id, e.profile) for e in body],),
            lambda body: ([e.ext_id for e in body],),
            listed=True,
        ),
        WriteRoute(
            "deleteProfileAttributes",
            DeleteProfileAttributesEntry,
            lambda body: ([k for e in body for k in e.profile],),
            listed=True,
        ),
        WriteRoute(
            "deleteProfileAttributeValue",
            DeleteProfileAttributeValueEntry,
            lambda body: ([(e.key, e.value) for e in body],),
            listed=True,
        ),
    ),
)


@router.get("/getProfileAttributes")
async def get_profile_attributes(
    request: Request,
    app: AppId,
    ext_id: Annotated[str | None, Query(alias="extId")] = None,
    device_token: Annotated[str | None, Query(alias="deviceToken")] = None,
) -> JSONResponse:
    result: ProfileAttributesResponse = await call(
        state_of(request, ProfilesState).get_profile_attributes, app, ext_id, device_token
    )
    return json_response(request, "getProfileAttributes", result, keep_nulls=True)


@router.get("/app/profile-attributes")
async def app_profile_attributes(request: Request, app: AppId) -> JSONResponse:
    result: AppProfileAttributesResponse = await call(
        state_of(request, ProfilesState).app_profile_attributes, app
    )
    return json_response(request, "app/profile-attributes", result)
