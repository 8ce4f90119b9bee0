"""The operations of Netmera's user & device REST API, as one table.

The seed page (shared/seed/netmera-user-device-api.md) documents 24 operations; two more documented
reads (`getCategoryPreferences`, `app/profile-attributes`) are needed for drift detection. The emulator
serves exactly these routes, the client has one method per entry (`python_name`), and tests check both
against this table, so an operation is findable by one name everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BASE_PATH = "/rest/3.0"
DEFAULT_BASE_URL = "https://restapi.netmera.com/rest/3.0"
# "Maximum 1000 Unique External IDs in a Single REST API Request" (seed page).
MAX_IDS_PER_REQUEST = 1000


@dataclass(frozen=True)
class Operation:
    name: str
    method: Literal["GET", "POST"]
    path: str
    writes: bool
    in_seed: bool = True

    @property
    def python_name(self) -> str:
        """`tagUsers` -> `tag_users`; `app/profile-attributes` -> `app_profile_attributes`."""
        words = re.sub(r"[^0-9A-Za-z]+", "_", self.name)
        return re.sub(r"(?<!^)(?<!_)([A-Z])", r"_\1", words).lower()


OPERATIONS: tuple[Operation, ...] = (
    Operation("deleteUsersPermanently", "POST", "deleteUsersPermanently", writes=True),
    Operation("disablePush", "POST", "disablePush", writes=True),
    Operation("enablePush", "POST", "enablePush", writes=True),
    Operation("tagUsers", "POST", "tagUsers", writes=True),
    Operation("untagUsers", "POST", "untagUsers", writes=True),
    Operation("setCategoryPreferences", "POST", "setCategoryPreferences", writes=True),
    Operation("setProfileAttributes", "POST", "setProfileAttributes", writes=True),
    Operation("unsetProfileAttributes", "POST", "unsetProfileAttributes", writes=True),
    Operation("deleteProfileAttributes", "POST", "deleteProfileAttributes", writes=True),
    Operation("getProfileAttributes", "GET", "getProfileAttributes", writes=False),
    Operation("pushProfileAttributes", "POST", "pushProfileAttributes", writes=True),
    Operation("pullProfileAttributes", "POST", "pullProfileAttributes", writes=True),
    Operation("deleteProfileAttributeValue", "POST", "deleteProfileAttributeValue", writes=True),
    Operation("getDevices", "GET", "getDevices", writes=False),
    Operation("getDeviceTokens", "GET", "getDeviceTokens", writes=False),
    Operation("getSegments", "GET", "getSegments", writes=False),
    Operation("getSegmentUsers", "GET", "getSegmentUsers", writes=False),
    Operation("sendPushApproval", "POST", "sendPushApproval", writes=True),
    Operation("enableMail", "POST", "enableMail", writes=True),
    Operation("disableMail", "POST", "disableMail", writes=True),
    Operation("updateEmail", "POST", "updateEmail", writes=True),
    Operation("enableSms", "POST", "enableSms", writes=True),
    Operation("disableSms", "POST", "disableSms", writes=True),
    Operation("updateMsisdn", "POST", "updateMsisdn", writes=True),
    Operation("getCategoryPreferences", "GET", "getCategoryPreferences", writes=False, in_seed=False),
    Operation("app/profile-attributes", "GET", "app/profile-attributes", writes=False, in_seed=False),
)

BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}
