"""Fixture files: the apps, keys, categories, attribute definitions, users, devices and segments an
emulator starts with. Validated with pydantic so that a wrong fixture names its field."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..models import CHANNELS, DataType
from .storage import Store


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategoryFixture(_Strict):
    name: str
    channels: list[str] = Field(default_factory=lambda: list(CHANNELS))


class AttributeFixture(_Strict):
    code: str
    name: str | None = None
    data_type: DataType
    is_array: bool = False
    standard: bool = False


class DeviceFixture(_Strict):
    platform: str = "ANDROID"
    token: str | None = None
    model: str | None = None
    push_permitted: bool = True
    installation_id: str | None = None


class UserFixture(_Strict):
    ext_id: str
    email: str | None = None
    msisdn: str | None = None
    email_permitted: bool = False
    sms_permitted: bool = False
    profile: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    devices: list[DeviceFixture] = Field(default_factory=list)


class GeneratedUsers(_Strict):
    """`count` users `<prefix><n>` (n zero-padded to `width`), each with contacts and one device.
    `ids: hex32` gives realistic ids instead: 32 hex characters, a stable hash of the number."""

    prefix: str = "user-"
    count: int = Field(ge=0)
    width: int = 6
    start: int = 1
    ids: Literal["numbered", "hex32"] = "numbered"
    email_domain: str = "example.com"
    email_permitted: bool = True
    sms_permitted: bool = True

    def ext_id(self, n: int) -> str:
        if self.ids == "hex32":
            return hex32_id(self.prefix, n)
        return f"{self.prefix}{n:0{self.width}d}"


def hex32_id(prefix: str, n: int) -> str:
    """A realistic external id (32 hex characters) that benchmarks can compute without the emulator."""
    return hashlib.blake2b(f"{prefix}{n}".encode(), digest_size=16).hexdigest()


class SegmentFixture(_Strict):
    id: int
    name: str
    type: str = "STANDARD"
    members: list[str] = Field(default_factory=list)
    generated_members: tuple[int, int] | None = Field(
        default=None, description="inclusive range of generated user numbers"
    )


class AppFixture(_Strict):
    id: str
    name: str
    api_keys: list[str]
    categories: list[CategoryFixture] = Field(default_factory=list)
    profile_attributes: list[AttributeFixture] = Field(default_factory=list)
    users: list[UserFixture] = Field(default_factory=list)
    generated_users: GeneratedUsers | None = None
    segments: list[SegmentFixture] = Field(default_factory=list)
    messages: list[int] = Field(default_factory=list, description="message ids awaiting approval")


class Fixture(_Strict):
    apps: list[AppFixture]


def fixture_path(name_or_path: str) -> Path:
    """A shipped fixture by name (`demo`) or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    shipped = resources.files("netmera_iac.emulator") / "fixtures" / f"{name_or_path}.yaml"
    return Path(str(shipped))


def load_fixture(name_or_path: str) -> Fixture:
    path = fixture_path(name_or_path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"fixture {name_or_path!r}: no such file {path}") from None
    try:
        return Fixture.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"fixture {path}: {exc}") from None


def seed(store: Store, fixture: Fixture) -> None:
    """Load a fixture into an empty store (or over one, replacing the apps it names)."""
    with store.transaction() as db:
        for app in fixture.apps:
            a = app.id
            for table in (
                "apps", "api_keys", "categories", "attribute_defs", "users", "user_tags",
                "category_prefs", "devices", "segments", "segment_members", "messages",
            ):  # fmt: skip
                db.execute(f"DELETE FROM {table} WHERE app_id = ?", (a,))
            db.execute("INSERT INTO apps VALUES (?, ?)", (a, app.name))
            db.executemany("INSERT INTO api_keys VALUES (?, ?)", [(k, a) for k in app.api_keys])
            db.executemany(
                "INSERT INTO categories VALUES (?, ?, ?)",
                [(a, c.name, json.dumps(c.channels)) for c in app.categories],
            )
            db.executemany(
                "INSERT INTO attribute_defs VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (a, d.code, d.name, d.data_type, int(d.is_array), int(d.standard))
                    for d in app.profile_attributes
                ],
            )
            users: list[tuple[Any, ...]] = []
            tags: list[tuple[str, str, str]] = []
            devices: list[tuple[Any, ...]] = []
            for u in app.users:
                users.append(
                    (a, u.ext_id, u.email, u.msisdn, int(u.email_permitted), int(u.sms_permitted),
                     json.dumps(u.profile, sort_keys=True))
                )  # fmt: skip
                tags.extend((a, t, u.ext_id) for t in u.tags)
                for i, d in enumerate(u.devices):
                    devices.append(
                        (a, d.installation_id or f"inst-{u.ext_id}-{i}", u.ext_id, d.platform, d.token,
                         d.model, int(d.push_permitted))
                    )  # fmt: skip
            gen = app.generated_users
            if gen is not None:
                for n in range(gen.start, gen.start + gen.count):
                    ext_id = gen.ext_id(n)
                    users.append(
                        (a, ext_id, f"{ext_id}@{gen.email_domain}", f"+90555{n:07d}",
                         int(gen.email_permitted), int(gen.sms_permitted), "{}")
                    )  # fmt: skip
                    devices.append(
                        (a, f"inst-{ext_id}", ext_id, "IOS" if n % 2 else "ANDROID", f"tok-{ext_id}", None, 1)
                    )
            db.executemany(
                "INSERT INTO users (app_id, ext_id, email, msisdn, email_permitted, sms_permitted, profile) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                users,
            )
            db.executemany("INSERT OR IGNORE INTO user_tags VALUES (?, ?, ?)", tags)
            db.executemany("INSERT INTO devices VALUES (?, ?, ?, ?, ?, ?, ?)", devices)
            for order, s in enumerate(app.segments):
                db.execute("INSERT INTO segments VALUES (?, ?, ?, ?, ?)", (a, s.id, s.name, s.type, order))
                members = list(s.members)
                if s.generated_members is not None:
                    if gen is None:
                        raise ValueError(
                            f"fixture app {a}: segment {s.id} uses generated_members without generated_users"
                        )
                    lo, hi = s.generated_members
                    members.extend(gen.ext_id(n) for n in range(lo, hi + 1))
                db.executemany(
                    "INSERT OR IGNORE INTO segment_members VALUES (?, ?, ?)", [(a, s.id, m) for m in members]
                )
            db.executemany("INSERT INTO messages VALUES (?, ?, 0)", [(a, m) for m in app.messages])
