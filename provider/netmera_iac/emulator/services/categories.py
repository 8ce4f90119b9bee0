"""`setCategoryPreferences` / `getCategoryPreferences`: opt-ins per category and channel."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from ...models import (
    CategoryPreferencesResponse,
)
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


class CategoriesState(StateBase):
    """A category is opted in unless opted out on one of its channels."""

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
                return CategoryPreferencesResponse(category_preferences={})
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


router = api_router()
add_writes(router, CategoriesState, (WriteRoute("setCategoryPreferences", ids=raw_entry_ids),))


@router.get("/getCategoryPreferences")
async def get_category_preferences(
    request: Request,
    app: AppId,
    external_id: Annotated[str, Query(alias="externalId")],
    push_permitted: Annotated[bool, Query(alias="pushPermitted")] = False,
    channels: Annotated[str | None, Query(description="comma-separated channel names")] = None,
) -> JSONResponse:
    del push_permitted  # accepted as documented; preferences do not depend on it
    selected = [c.strip() for c in channels.split(",") if c.strip()] if channels else None
    result: CategoryPreferencesResponse = await call(
        state_of(request, CategoriesState).get_category_preferences, app, external_id, selected
    )
    return json_response(request, "getCategoryPreferences", result)
