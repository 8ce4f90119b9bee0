"""The engine floor: what Pulumi itself costs to carry the same ids, with no planning and no calls.

One trivial dynamic resource per list file in `lists/`, holding its lines (ids, or `<id>\t<value>`
for families whose collection is a map) as one compressed string under
a hidden key (read, sorted and compressed exactly as netmera-iac's program does). Its provider plans
nothing and sends nothing, so a phase's time here is the least any provider could take.
"""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from typing import Any

from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult


class FloorProvider(ResourceProvider):
    serialize_as_secret_always = False

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=olds.get("__ids") != news.get("__ids"))

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(props["tag"], props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(news)


class FloorTag(Resource, module="floor", name="FloorTag"):
    def __init__(self, name: str, ids: list[str]) -> None:
        text = "\n".join(sorted(set(ids))).encode()
        packed = base64.b64encode(zlib.compress(text, 1)).decode()
        super().__init__(FloorProvider(), name, {"tag": name, "count": len(ids), "__ids": packed})


for path in sorted(Path("lists").glob("*.txt")):
    FloorTag(path.stem, path.read_text().splitlines())
