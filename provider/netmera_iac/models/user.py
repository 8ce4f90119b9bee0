"""deleteUsersPermanently and sendPushApproval."""

from __future__ import annotations

from ._base import WireModel


class DeleteUsersRequest(WireModel):
    ext_ids: list[str]


class PushApprovalEntry(WireModel):
    message_id: int
