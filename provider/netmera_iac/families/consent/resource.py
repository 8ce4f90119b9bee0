"""Consent resources: `PushConsent`, `EmailConsent`, `SmsConsent`, `WhatsAppConsent`.

Each manages one list of `consent.yaml` (users by external id, or devices, addresses, numbers) and keeps
a ledger: per id the last state applied or read back, and when. The consent guard needs the ledger at
`check` (the only step whose failures the CLI shows as plain messages), and `check` only sees the last
*inputs*, so the ledger travels as an input too. `check` must return the same inputs at preview and at
`up --plan`, so the lines its plan will write are marked `planned` (no clock time); `create`/`update`
store them with the time they were applied in the outputs, and `read` (any refresh) copies the outputs
back into the inputs. A blocked re-opt-in therefore fails the preview with every blocked id named,
before any request is sent. Users leaving a list keep their permission; deleting a resource changes
nobody.

Only push permission can be read back (getDevices per user, getDeviceTokens for devices); Netmera has
no read for email, SMS or WhatsApp permission, so for those the ledger is the reference and refresh
keeps it. Opting an address or number in adds it first (addEmail / addMsisdn), so the opt-in reaches
an address new to the app (ledger.py `ADD_FIRST`). What every list's provider does is in provider.py;
this module holds what differs per channel (push reads back) and the resources.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import Resource

from ...engine import OPTED_IN, OPTED_OUT, GuardSettings, Preference, codec
from ...resources.guards import guard_input
from ...resources.interrupted import interrupted_input
from ...resources.progress import observing
from .ledger import Addressing, Evidence, push_state
from .provider import CONSENTS, EVIDENCE, LEDGER, RESEND, UNKNOWN_HOLDERS, ConsentProvider


class PushConsentProvider(ConsentProvider):
    channel = "push"

    def observe(self, addressing: Any, ids: list[str]) -> tuple[dict[str, Preference], list[str]]:
        client = self.client()
        observed: dict[str, Preference] = {}
        unstated: list[str] = []
        if addressing == "extId":
            with observing("getDevices", len(ids)):
                answers = client.get_devices_many(ids)
            for ext_id, answer in answers.items():
                state = push_state(d.push_permitted for d in answer.devices)
                if state is not None:
                    observed[ext_id] = state
                elif any(d.push_permitted is None for d in answer.devices):
                    unstated.append(ext_id)
        else:
            # Netmera reads one device only through the list of every installation (all pages).
            wanted = set(ids)
            for entry in client.get_device_tokens(max_per_page=1000):
                if entry.device_token not in wanted:
                    continue
                if entry.push_permitted is None:  # the current shape of getDeviceTokens omits it
                    unstated.append(entry.device_token)
                else:
                    observed[entry.device_token] = OPTED_IN if entry.push_permitted else OPTED_OUT
        return observed, sorted(set(unstated))


class EmailConsentProvider(ConsentProvider):
    channel = "email"


class SmsConsentProvider(ConsentProvider):
    channel = "sms"


class WhatsAppConsentProvider(ConsentProvider):
    channel = "whatsapp"


def _props(
    name: str,
    addressing: Addressing,
    consents: dict[str, Preference],
    evidence: dict[str, Evidence],
    guard: GuardSettings,
) -> dict[str, Any]:
    proofs = {k: {"source": v.source, "at": v.at} for k, v in evidence.items()}
    return {
        "name": name,
        "addressing": addressing,
        **codec.collection(CONSENTS, codec.encode_str_map(consents), "ids"),
        **codec.collection(EVIDENCE, codec.encode_json_map(proofs), "ids"),
        "guard": guard_input(guard),
    }


class _Consent(Resource):
    provider_class: ClassVar[type[ConsentProvider]]

    def __init__(
        self,
        name: str,
        addressing: Addressing,
        consents: dict[str, Preference],
        evidence: dict[str, Evidence],
        guard: GuardSettings,
        opts: pulumi.ResourceOptions | None = None,
        adopt: bool = False,
        interrupted: str | None = None,
        resend: dict[str, str] | None = None,
        unknown_holders: list[str] | None = None,
        existence: dict[str, Any] | None = None,
    ) -> None:
        props = {
            **_props(name, addressing, consents, evidence, guard),
            LEDGER: None,
            "adopt": adopt,
            **interrupted_input(interrupted),
            **(existence or {}),  # resources/existence.py
            # Only when there are any: an empty set would change every existing list's inputs.
            **(codec.collection(RESEND, codec.encode_str_map(resend), "ids") if resend else {}),
            **(
                codec.collection(UNKNOWN_HOLDERS, codec.encode_ids(unknown_holders), "ids")
                if unknown_holders
                else {}
            ),
        }
        super().__init__(self.provider_class(), name, props, opts)


class PushConsent(_Consent, module="netmera", name="PushConsent"):
    """Push permission of users (enablePush/disablePush by extId, all their devices) or of devices."""

    provider_class = PushConsentProvider


class EmailConsent(_Consent, module="netmera", name="EmailConsent"):
    """Email permission by external id or by address (enableMail/disableMail)."""

    provider_class = EmailConsentProvider


class SmsConsent(_Consent, module="netmera", name="SmsConsent"):
    """SMS permission by external id or by MSISDN (enableSms/disableSms)."""

    provider_class = SmsConsentProvider


class WhatsAppConsent(_Consent, module="netmera", name="WhatsAppConsent"):
    """WhatsApp permission by external id or by WhatsApp number (enableWhatsApp/disableWhatsApp)."""

    provider_class = WhatsAppConsentProvider
