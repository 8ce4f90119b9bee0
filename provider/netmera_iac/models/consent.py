"""Push, email and SMS permission and the contact addresses they use."""

from __future__ import annotations

from ._base import WireModel


class PushTarget(WireModel):
    """Body of `enablePush` / `disablePush`: a user (all devices) or one device. extId wins if both."""

    ext_id: str | None = None
    device_token: str | None = None


class MailPermissionRequest(WireModel):
    """Body of `enableMail` / `disableMail`: by external ids or by addresses."""

    ext_ids: list[str] | None = None
    email_list: list[str] | None = None


class SmsPermissionRequest(WireModel):
    """Body of `enableSms` / `disableSms`: by external ids or by MSISDNs (matched exactly as stored)."""

    ext_ids: list[str] | None = None
    msisdn_list: list[str] | None = None


class UpdateEmailRequest(WireModel):
    """Body of `updateEmail`."""

    ext_id: str
    email: str


class UpdateMsisdnRequest(WireModel):
    """Body of `updateMsisdn`. An empty MSISDN is stored and resets SMS permission."""

    ext_id: str
    msisdn: str
