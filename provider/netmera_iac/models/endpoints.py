"""The endpoints of Netmera's user & device REST API, as one table.

The seed page (shared/seed/netmera-user-device-api.md) documents 24 endpoints; two more documented
reads (`getCategoryPreferences`, `app/profile-attributes`) are needed for drift detection, and eight
documented writes of the same family complete contacts and WhatsApp (remove*, add*, *WhatsApp).
The emulator serves exactly these routes, the client has one method per entry (`python_name`), and
tests check both against this table, so an endpoint is findable by one name everywhere. (An
`Operation` is something else: one write a plan sends through an endpoint, engine/plan.py.)
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
class Endpoint:
    """One endpoint: its name (also its path under the base URL), method, and whether it writes."""

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


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("deleteUsersPermanently", "POST", "deleteUsersPermanently", writes=True),
    Endpoint("disablePush", "POST", "disablePush", writes=True),
    Endpoint("enablePush", "POST", "enablePush", writes=True),
    Endpoint("tagUsers", "POST", "tagUsers", writes=True),
    Endpoint("untagUsers", "POST", "untagUsers", writes=True),
    Endpoint("setCategoryPreferences", "POST", "setCategoryPreferences", writes=True),
    Endpoint("setProfileAttributes", "POST", "setProfileAttributes", writes=True),
    Endpoint("unsetProfileAttributes", "POST", "unsetProfileAttributes", writes=True),
    Endpoint("deleteProfileAttributes", "POST", "deleteProfileAttributes", writes=True),
    Endpoint("getProfileAttributes", "GET", "getProfileAttributes", writes=False),
    Endpoint("pushProfileAttributes", "POST", "pushProfileAttributes", writes=True),
    Endpoint("pullProfileAttributes", "POST", "pullProfileAttributes", writes=True),
    Endpoint("deleteProfileAttributeValue", "POST", "deleteProfileAttributeValue", writes=True),
    Endpoint("getDevices", "GET", "getDevices", writes=False),
    Endpoint("getDeviceTokens", "GET", "getDeviceTokens", writes=False),
    Endpoint("getSegments", "GET", "getSegments", writes=False),
    Endpoint("getSegmentUsers", "GET", "getSegmentUsers", writes=False),
    Endpoint("sendPushApproval", "POST", "sendPushApproval", writes=True),
    Endpoint("enableMail", "POST", "enableMail", writes=True),
    Endpoint("disableMail", "POST", "disableMail", writes=True),
    Endpoint("updateEmail", "POST", "updateEmail", writes=True),
    Endpoint("enableSms", "POST", "enableSms", writes=True),
    Endpoint("disableSms", "POST", "disableSms", writes=True),
    Endpoint("updateMsisdn", "POST", "updateMsisdn", writes=True),
    # Documented beside the seed's, in the same API family (netmera-api.md §3, §4).
    Endpoint("removeEmail", "POST", "removeEmail", writes=True, in_seed=False),
    Endpoint("removeMsisdn", "POST", "removeMsisdn", writes=True, in_seed=False),
    Endpoint("addEmail", "POST", "addEmail", writes=True, in_seed=False),
    Endpoint("addMsisdn", "POST", "addMsisdn", writes=True, in_seed=False),
    Endpoint("enableWhatsApp", "POST", "enableWhatsApp", writes=True, in_seed=False),
    Endpoint("disableWhatsApp", "POST", "disableWhatsApp", writes=True, in_seed=False),
    Endpoint("updateWhatsApp", "POST", "updateWhatsApp", writes=True, in_seed=False),
    Endpoint("removeWhatsApp", "POST", "removeWhatsApp", writes=True, in_seed=False),
    Endpoint("getCategoryPreferences", "GET", "getCategoryPreferences", writes=False, in_seed=False),
    Endpoint("app/profile-attributes", "GET", "app/profile-attributes", writes=False, in_seed=False),
)

BY_NAME: dict[str, Endpoint] = {op.name: op for op in ENDPOINTS}
