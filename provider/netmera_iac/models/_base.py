"""Base classes for Netmera's wire format: camelCase JSON, snake_case Python."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class WireModel(BaseModel):
    """A JSON object on the wire.

    Strict, so that `"true"` is not silently read as `True` (the emulator answers 2004 like Netmera);
    unknown fields are ignored, as Netmera ignores them and so that new response fields never break us.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        strict=True,
        extra="ignore",
        frozen=True,
    )

    def to_wire(self) -> dict[str, object]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
