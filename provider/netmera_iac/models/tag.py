"""tagUsers / untagUsers."""

from __future__ import annotations

from pydantic import Field

from ._base import WireModel


class TagUsersRequest(WireModel):
    """Body of `tagUsers` and `untagUsers`. Netmera also accepts a list of tags in `tag`."""

    tag: str | list[str] = Field(description="Name of the tag (or several tags)")
    ext_ids: list[str] = Field(description="External ids of the users")

    def tags(self) -> list[str]:
        return [self.tag] if isinstance(self.tag, str) else list(self.tag)


UntagUsersRequest = TagUsersRequest
