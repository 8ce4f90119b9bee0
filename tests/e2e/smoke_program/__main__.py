"""A tiny program whose dynamic provider appends every call it receives to a JSON-lines file."""

import json
from typing import Any

import pulumi
from pulumi.dynamic import (
    ConfigureRequest,
    CreateResult,
    DiffResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)


class RecordingProvider(ResourceProvider):
    # Filled in by configure() inside the provider process; the pickled provider carries nothing.
    record_file: str | None = None

    def _record(self, call: str, **details: Any) -> None:
        assert self.record_file, "configure() was not called before a resource operation"
        with open(self.record_file, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"call": call, **details}) + "\n")

    def configure(self, req: ConfigureRequest) -> None:
        self.record_file = req.config.get("smoke:recordFile")
        api_key = req.config.get("netmera:apiKey")
        # Record a fingerprint, never the key itself: the test compares it with the key it set.
        self._record("configure", api_key_length=len(api_key or ""), api_key_tail=(api_key or "")[-4:])

    def create(self, props: dict[str, Any]) -> CreateResult:
        self._record("create", value=props["value"])
        return CreateResult("smoke-1", {"value": props["value"]})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = olds.get("value") != news.get("value")
        self._record("diff", changed=changed)
        return DiffResult(changes=changed)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self._record("update", value=news["value"])
        return UpdateResult({"value": news["value"]})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        self._record("delete", value=props["value"])


class Recorded(Resource, module="smoke", name="Recorded"):
    value: pulumi.Output[str]

    def __init__(self, name: str, value: str) -> None:
        super().__init__(RecordingProvider(), name, {"value": value})


thing = Recorded("thing", pulumi.Config("smoke").require("value"))
pulumi.export("value", thing.value)
