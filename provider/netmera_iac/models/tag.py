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


class UntagUsersRequest(TagUsersRequest):
    """Body of `untagUsers`: also `checkExistence`, to be answered the ids Netmera does not know."""

    check_existence: bool | None = Field(default=None, description="answer unknown ids in `notExist`")


class UntagUsersResponse(WireModel):
    """The answer of `untagUsers` with `checkExistence`: the external ids Netmera does not know. The
    only batched existence read the API has (netmera-api.md §3); other reads answer unknown users
    like known ones with nothing set."""

    not_exist: list[str] = Field(default_factory=list)
