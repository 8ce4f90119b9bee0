"""Push, email, SMS and WhatsApp permission and the addresses and numbers they use."""

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


class RemoveContactRequest(WireModel):
    """Body of `removeEmail`, `removeMsisdn` and `removeWhatsApp`: the user whose address or numbers
    are cleared (permission state kept). Without it Netmera answers 400 text/plain."""

    ext_id: str


class AddEmailRequest(WireModel):
    """Body of `addEmail`: addresses new to the app become device-less users."""

    email_list: list[str]


class AddMsisdnRequest(WireModel):
    """Body of `addMsisdn`: numbers (with a country code) new to the app become device-less users."""

    msisdn_list: list[str]


class WhatsAppPermissionRequest(WireModel):
    """Body of `enableWhatsApp` / `disableWhatsApp`: by external ids and/or by WhatsApp numbers."""

    ext_ids: list[str] | None = None
    wp_numbers: list[str] | None = None


class UpdateWhatsAppRequest(WireModel):
    """Body of `updateWhatsApp`: the user's WhatsApp numbers, replacing the ones it had."""

    ext_id: str
    wp_numbers: list[str]
