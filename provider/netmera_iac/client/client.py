"""`NetmeraClient`: one method per Netmera operation, named after it (`tagUsers` -> `tag_users`).

Each sends the operation's request model (models/), the one the emulator parses; batching, bounded
concurrency and partial-failure reports are the plumbing's (_calls.py).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ..models import (
    AddEmailRequest,
    AddMsisdnRequest,
    AppProfileAttributesResponse,
    CategoryPreferenceEntry,
    CategoryPreferencesResponse,
    DeleteProfileAttributesEntry,
    DeleteProfileAttributeValueEntry,
    DeleteUsersRequest,
    DevicesResponse,
    DeviceTokenEntry,
    DeviceTokensResponse,
    MailPermissionRequest,
    ProfileAttributesResponse,
    ProfileEntry,
    PushApprovalEntry,
    RemoveContactRequest,
    SegmentsResponse,
    SegmentUser,
    SegmentUsersResponse,
    SmsPermissionRequest,
    TagUsersRequest,
    UnsetProfileEntry,
    UntagUsersRequest,
    UntagUsersResponse,
    UpdateEmailRequest,
    UpdateMsisdnRequest,
    UpdateWhatsAppRequest,
    WhatsAppPermissionRequest,
    WireModel,
)
from ._calls import Calls, WriteResult, carries_one, ids_of_list
from .batching import id_batches
from .errors import ConfigurationError, NotFoundError

# "User with external id 'X' does not exist or has already been permanently deleted" (netmera-api.md §2)
_NOT_FOUND_ID = re.compile(r"external id '(?P<id>.*)' does not exist")


class NetmeraClient(Calls):
    """Typed client for Netmera's user & device REST API. Use as a context manager, or call `close()`."""

    # -- users ------------------------------------------------------------------------------------------
    def delete_users_permanently(self, ext_ids: Sequence[str], missing_ok: bool = False) -> WriteResult:
        """Erase users. Netmera fails the whole request if one id is unknown (NotFoundError, 5016).

        When a request was already sent and its answer lost, the retry may report an id of it as
        not found because the first attempt erased it: that id counts as done, and the rest is re-sent.
        With `missing_ok`, an id Netmera does not know (already erased) counts as done the same way.
        """
        operation = "deleteUsersPermanently"

        def send(batch: list[str]) -> None:
            remaining = list(batch)
            sent_before = False
            while remaining:
                try:
                    self._post(operation, DeleteUsersRequest(ext_ids=remaining))
                    return
                except NotFoundError as exc:
                    match = _NOT_FOUND_ID.search(exc.text)
                    gone = match.group("id") if match else None
                    already_sent = missing_ok or sent_before or exc.attempts > 1
                    if exc.code != 5016 or not already_sent or gone not in remaining:
                        raise
                    remaining.remove(gone)
                    sent_before = True

        return self._run_batches(operation, id_batches(ext_ids), send, len, ids_of_list)

    # -- push permission --------------------------------------------------------------------------------
    def enable_push(self, ext_ids: Sequence[str] = (), device_tokens: Sequence[str] = ()) -> WriteResult:
        """`enablePush` for many users or devices: the API takes one per request, so they run on the
        client's bounded pool, and a failure names how many were applied."""
        return self._single_target_writes("enablePush", ext_ids, device_tokens)

    def disable_push(self, ext_ids: Sequence[str] = (), device_tokens: Sequence[str] = ()) -> WriteResult:
        return self._single_target_writes("disablePush", ext_ids, device_tokens)

    # -- tags -------------------------------------------------------------------------------------------
    def tag_users(self, tag: str, ext_ids: Sequence[str]) -> WriteResult:
        return self._id_list_write("tagUsers", ext_ids, lambda batch: TagUsersRequest(tag=tag, ext_ids=batch))

    def untag_users(self, tag: str, ext_ids: Sequence[str]) -> WriteResult:
        return self._id_list_write(
            "untagUsers", ext_ids, lambda batch: TagUsersRequest(tag=tag, ext_ids=batch)
        )

    def untag_users_not_existing(self, tag: str, ext_ids: Sequence[str]) -> list[str]:
        """`untagUsers` with `checkExistence`: untags and answers the ids Netmera does not know, 1000
        per request. The API's only batched existence read (used before an erasure)."""
        missing: list[str] = []
        lock = threading.Lock()

        def send(batch: list[str]) -> None:
            body = UntagUsersRequest(tag=tag, ext_ids=batch, check_existence=True)
            response = self._post("untagUsers", body)
            answer = self._parse("untagUsers", response, UntagUsersResponse) if response.content else None
            with lock:
                missing.extend(answer.not_exist if answer else ())

        self._run_batches("untagUsers", id_batches(ext_ids), send, len, ids_of_list)
        return sorted(set(missing))

    # -- category preferences ---------------------------------------------------------------------------
    def set_category_preferences(self, entries: Sequence[CategoryPreferenceEntry]) -> WriteResult:
        return self._entry_write("setCategoryPreferences", entries, lambda e: e.ext_id)

    def get_category_preferences(
        self, external_id: str, channels: Sequence[str] | None = None
    ) -> CategoryPreferencesResponse:
        params: dict[str, Any] = {"externalId": external_id}
        if channels:
            params["channels"] = ",".join(channels)
        return self._get("getCategoryPreferences", CategoryPreferencesResponse, params)

    def get_category_preferences_many(
        self, external_ids: Sequence[str], channels: Sequence[str] | None = None
    ) -> dict[str, CategoryPreferencesResponse]:
        """`getCategoryPreferences` for many users, with the client's bounded concurrency."""
        return self._read_many(
            "getCategoryPreferences", external_ids, lambda e: self.get_category_preferences(e, channels)
        )

    # -- profile attributes -----------------------------------------------------------------------------
    def set_profile_attributes(self, entries: Sequence[ProfileEntry]) -> WriteResult:
        return self._entry_write("setProfileAttributes", entries, lambda e: e.ext_id)

    def unset_profile_attributes(self, entries: Sequence[UnsetProfileEntry]) -> WriteResult:
        return self._entry_write("unsetProfileAttributes", entries, lambda e: e.ext_id)

    def push_profile_attributes(self, entries: Sequence[ProfileEntry]) -> WriteResult:
        return self._entry_write("pushProfileAttributes", entries, lambda e: e.ext_id)

    def pull_profile_attributes(self, entries: Sequence[ProfileEntry]) -> WriteResult:
        return self._entry_write("pullProfileAttributes", entries, lambda e: e.ext_id)

    def delete_profile_attributes(self, keys: Sequence[str]) -> None:
        """Remove these attributes from every user of the app."""
        self._post("deleteProfileAttributes", [DeleteProfileAttributesEntry(profile=list(keys))])

    def delete_profile_attribute_value(self, pairs: Sequence[DeleteProfileAttributeValueEntry]) -> None:
        """Remove each (attribute, value) from every user of the app."""
        self._post("deleteProfileAttributeValue", pairs)

    def get_profile_attributes(
        self, ext_id: str | None = None, device_token: str | None = None
    ) -> ProfileAttributesResponse:
        if not ext_id and not device_token:
            raise ConfigurationError("getProfileAttributes needs an ext_id or a device_token")
        params = {"extId": ext_id} if ext_id else {"deviceToken": device_token}
        return self._get("getProfileAttributes", ProfileAttributesResponse, params)

    def get_profile_attributes_many(self, ext_ids: Sequence[str]) -> dict[str, ProfileAttributesResponse]:
        """`getProfileAttributes` for many users, with the client's bounded concurrency."""
        return self._read_many(
            "getProfileAttributes", ext_ids, lambda e: self.get_profile_attributes(ext_id=e)
        )

    def app_profile_attributes(self) -> AppProfileAttributesResponse:
        """`app/profile-attributes`: the attribute definitions (data type, array flag) of the app."""
        return self._get("app/profile-attributes", AppProfileAttributesResponse)

    # -- devices ----------------------------------------------------------------------------------------
    def get_devices(self, ext_id: str, push_permitted: bool = False) -> DevicesResponse:
        params = {"extId": ext_id, "pushPermitted": "true" if push_permitted else "false"}
        return self._get("getDevices", DevicesResponse, params)

    def get_devices_many(self, ext_ids: Sequence[str]) -> dict[str, DevicesResponse]:
        """`getDevices` for many users, with the client's bounded concurrency."""
        return self._read_many("getDevices", ext_ids, self.get_devices)

    def get_device_tokens(self, max_per_page: int = 100, offset: int = 0) -> Iterator[DeviceTokenEntry]:
        """Every installation, following `nextPage` as given (same origin only)."""
        first = self._get("getDeviceTokens", DeviceTokensResponse, {"max": max_per_page, "offset": offset})
        for page in self._pages("getDeviceTokens", first, DeviceTokensResponse):
            yield from page.devices

    # -- segments ---------------------------------------------------------------------------------------
    def get_segments(self) -> SegmentsResponse:
        return self._get("getSegments", SegmentsResponse, headers=self._platform())

    def get_segment_users(self, segment_id: int, max_per_page: int = 1000) -> Iterator[SegmentUser]:
        """Every user of a segment, following the opaque `nextPage` links (same origin only)."""
        platform = self._platform()
        params = {"id": segment_id, "max": max_per_page}
        first = self._get("getSegmentUsers", SegmentUsersResponse, params, headers=platform)
        for page in self._pages("getSegmentUsers", first, SegmentUsersResponse, headers=platform):
            yield from page.items

    # -- push approval ----------------------------------------------------------------------------------
    def send_push_approval(self, message_ids: Sequence[int]) -> None:
        self._post("sendPushApproval", [PushApprovalEntry(message_id=m) for m in message_ids])

    # -- email and SMS ----------------------------------------------------------------------------------
    def enable_mail(self, ext_ids: Sequence[str] = (), email_list: Sequence[str] = ()) -> WriteResult:
        return self._permission_write("enableMail", ext_ids, email_list, _mail)

    def disable_mail(self, ext_ids: Sequence[str] = (), email_list: Sequence[str] = ()) -> WriteResult:
        return self._permission_write("disableMail", ext_ids, email_list, _mail)

    def enable_sms(self, ext_ids: Sequence[str] = (), msisdn_list: Sequence[str] = ()) -> WriteResult:
        return self._permission_write("enableSms", ext_ids, msisdn_list, _sms)

    def disable_sms(self, ext_ids: Sequence[str] = (), msisdn_list: Sequence[str] = ()) -> WriteResult:
        return self._permission_write("disableSms", ext_ids, msisdn_list, _sms)

    def _permission_write(
        self,
        operation: str,
        ext_ids: Sequence[str],
        contacts: Sequence[str],
        body: Callable[[list[str] | None, list[str] | None], WireModel],
    ) -> WriteResult:
        """By external ids, then by addresses or numbers; each list in its own requests."""
        by_id = self._id_list_write(operation, ext_ids, lambda b: body(b, None)) if ext_ids else None
        by_contact = self._id_list_write(operation, contacts, lambda b: body(None, b)) if contacts else None
        results = [r for r in (by_id, by_contact) if r is not None]
        return WriteResult(operation, sum(r.requests for r in results), sum(r.ids for r in results))

    def remove_email(self, ext_id: str) -> None:
        """Clear the user's address (its permission is kept)."""
        self._post("removeEmail", RemoveContactRequest(ext_id=ext_id))

    def remove_msisdn(self, ext_id: str) -> None:
        self._post("removeMsisdn", RemoveContactRequest(ext_id=ext_id))

    def add_email(self, email_list: Sequence[str]) -> WriteResult:
        """Addresses new to the app become device-less users (known ones are left), 1000 per request."""
        return self._id_list_write("addEmail", email_list, lambda b: AddEmailRequest(email_list=b))

    def add_msisdn(self, msisdn_list: Sequence[str]) -> WriteResult:
        return self._id_list_write("addMsisdn", msisdn_list, lambda b: AddMsisdnRequest(msisdn_list=b))

    # -- WhatsApp ---------------------------------------------------------------------------------------
    def enable_whats_app(self, ext_ids: Sequence[str] = (), wp_numbers: Sequence[str] = ()) -> WriteResult:
        return self._permission_write("enableWhatsApp", ext_ids, wp_numbers, _whats_app)

    def disable_whats_app(self, ext_ids: Sequence[str] = (), wp_numbers: Sequence[str] = ()) -> WriteResult:
        return self._permission_write("disableWhatsApp", ext_ids, wp_numbers, _whats_app)

    def update_whats_app(self, ext_id: str, wp_numbers: Sequence[str]) -> None:
        """Replace the user's WhatsApp numbers."""
        self._post("updateWhatsApp", UpdateWhatsAppRequest(ext_id=ext_id, wp_numbers=list(wp_numbers)))

    def remove_whats_app(self, ext_id: str) -> None:
        self._post("removeWhatsApp", RemoveContactRequest(ext_id=ext_id))

    def update_email(self, ext_id: str, email: str) -> None:
        self._post("updateEmail", UpdateEmailRequest(ext_id=ext_id, email=email))

    def update_msisdn(self, ext_id: str, msisdn: str) -> None:
        self._post("updateMsisdn", UpdateMsisdnRequest(ext_id=ext_id, msisdn=msisdn))

    def update_email_many(self, emails: Mapping[str, str]) -> WriteResult:
        """`updateEmail` for many users (one per request) on the client's bounded pool."""
        return self._run_batches(
            "updateEmail", sorted(emails.items()), lambda p: self.update_email(*p), carries_one, _user
        )

    def update_msisdn_many(self, msisdns: Mapping[str, str]) -> WriteResult:
        return self._run_batches(
            "updateMsisdn", sorted(msisdns.items()), lambda p: self.update_msisdn(*p), carries_one, _user
        )

    def update_whats_app_many(self, numbers: Mapping[str, Sequence[str]]) -> WriteResult:
        return self._run_batches(
            "updateWhatsApp", sorted(numbers.items()), lambda p: self.update_whats_app(*p), carries_one, _user
        )

    def remove_many(self, operation: str, ext_ids: Sequence[str]) -> WriteResult:
        """removeEmail, removeMsisdn or removeWhatsApp for many users (one per request)."""
        remove = {
            "removeEmail": self.remove_email,
            "removeMsisdn": self.remove_msisdn,
            "removeWhatsApp": self.remove_whats_app,
        }[operation]
        return self._run_batches(operation, sorted(set(ext_ids)), remove, carries_one, lambda u: (u,))


def _user(pair: tuple[str, object]) -> tuple[str]:
    """The user of a (user, value) request."""
    return (pair[0],)


def _mail(ext_ids: list[str] | None, emails: list[str] | None) -> MailPermissionRequest:
    return MailPermissionRequest(ext_ids=ext_ids, email_list=emails)


def _sms(ext_ids: list[str] | None, msisdns: list[str] | None) -> SmsPermissionRequest:
    return SmsPermissionRequest(ext_ids=ext_ids, msisdn_list=msisdns)


def _whats_app(ext_ids: list[str] | None, numbers: list[str] | None) -> WhatsAppPermissionRequest:
    return WhatsAppPermissionRequest(ext_ids=ext_ids, wp_numbers=numbers)


__all__ = ["NetmeraClient", "WriteResult"]
