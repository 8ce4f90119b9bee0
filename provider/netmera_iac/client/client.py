"""`NetmeraClient`: one method per Netmera operation, named after it (`tagUsers` -> `tag_users`).

Writes that carry id lists or entry arrays are de-duplicated and split into requests of at most 1000
unique external ids, sent with bounded concurrency, and return a `WriteResult` counting what was
applied. If a batch fails for good the others still run, and a `BatchError` says which were applied.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from ..models import (
    AppProfileAttributesResponse,
    CategoryPreferenceEntry,
    CategoryPreferencesResponse,
    DeleteProfileAttributesEntry,
    DeleteProfileAttributeValueEntry,
    DevicesResponse,
    DeviceTokenEntry,
    DeviceTokensResponse,
    ProfileAttributesResponse,
    ProfileEntry,
    PushApprovalEntry,
    SegmentsResponse,
    SegmentUser,
    SegmentUsersResponse,
    UnsetProfileEntry,
    UntagUsersResponse,
)
from ._http import HttpCore, RetryEvent
from .batching import entry_batches, id_batches
from .errors import (
    BatchError,
    BatchOutcome,
    ConfigurationError,
    NetmeraError,
    NotFoundError,
    ResponseFormatError,
    UnsafePageError,
)
from .settings import ClientSettings

R = TypeVar("R", bound=BaseModel)
E = TypeVar("E")

# "User with external id 'X' does not exist or has already been permanently deleted" (netmera-api.md §2)
_NOT_FOUND_ID = re.compile(r"external id '(?P<id>.*)' does not exist")


@dataclass(frozen=True)
class WriteResult:
    """What a write sent: requests made and unique ids (or entries) they carried."""

    operation: str
    requests: int
    ids: int


class NetmeraClient:
    """Typed client for Netmera's user & device REST API. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        settings: ClientSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
        **overrides: Any,
    ) -> None:
        """Explicit arguments win over `settings`, which default to `NETMERA_*` environment variables."""
        base = settings or ClientSettings()
        values: dict[str, Any] = dict(overrides)
        if api_key is not None:
            values["api_key"] = SecretStr(api_key)
        if base_url is not None:
            values["base_url"] = base_url
        try:
            self.settings = ClientSettings.model_validate({**base.model_dump(), **values})
        except ValueError as exc:
            raise ConfigurationError(f"invalid Netmera client settings: {exc}") from None
        self._core = HttpCore(self.settings, transport=transport, on_retry=on_retry)
        self._pool = ThreadPoolExecutor(
            max_workers=self.settings.max_concurrency, thread_name_prefix="netmera"
        )

    def __repr__(self) -> str:
        return f"NetmeraClient(base_url={self.settings.base_url!r}, api_key=***)"

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._core.close()

    def __enter__(self) -> NetmeraClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------------------
    def _post(self, operation: str, body: Any) -> None:
        self._core.request(operation, "POST", operation, json=body)

    def _get(self, operation: str, model: type[R], params: dict[str, Any] | None = None) -> R:
        return self._parse(operation, self._core.request(operation, "GET", operation, params=params), model)

    @staticmethod
    def _parse(operation: str, response: httpx.Response, model: type[R]) -> R:
        try:
            return model.model_validate(response.json(), strict=False)
        except (ValueError, ValidationError) as exc:
            snippet = response.text[:120]
            raise ResponseFormatError(f"{operation}: unexpected answer {snippet!r}: {exc}") from None

    def _read_many(self, ids: Sequence[str], read: Callable[[str], R]) -> dict[str, R]:
        """One read per unique id, on the client's bounded pool."""
        unique = list(dict.fromkeys(ids))
        return dict(zip(unique, self._pool.map(read, unique), strict=True))

    def _run_batches(
        self, operation: str, batches: Sequence[E], send: Callable[[E], None], size: Callable[[E], int]
    ) -> WriteResult:
        def run(item: tuple[int, E]) -> BatchOutcome:
            index, batch = item
            try:
                send(batch)
            except NetmeraError as exc:
                return BatchOutcome(index, size(batch), exc)
            return BatchOutcome(index, size(batch))

        outcomes = list(self._pool.map(run, enumerate(batches)))
        failed = [o for o in outcomes if o.error is not None]
        applied = [o for o in outcomes if o.error is None]
        if failed:
            if len(outcomes) == 1 and failed[0].error is not None:
                raise failed[0].error  # nothing to report as applied: the error itself is clearer
            raise BatchError(operation, applied, failed)
        return WriteResult(operation, requests=len(batches), ids=sum(o.ids for o in outcomes))

    def _id_list_write(
        self, operation: str, ext_ids: Sequence[str], body: Callable[[list[str]], dict[str, Any]]
    ) -> WriteResult:
        return self._run_batches(
            operation, id_batches(ext_ids), lambda b: self._post(operation, body(b)), len
        )

    def _entry_write(
        self, operation: str, entries: Sequence[BaseModel], key: Callable[[Any], str | None]
    ) -> WriteResult:
        def send(batch: list[BaseModel]) -> None:
            self._post(
                operation, [e.model_dump(by_alias=True, exclude_none=True, mode="json") for e in batch]
            )

        return self._run_batches(operation, entry_batches(entries, key), send, len)

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
                    self._post(operation, {"extIds": remaining})
                    return
                except NotFoundError as exc:
                    match = _NOT_FOUND_ID.search(exc.text)
                    gone = match.group("id") if match else None
                    already_sent = missing_ok or sent_before or exc.attempts > 1
                    if exc.code != 5016 or not already_sent or gone not in remaining:
                        raise
                    remaining.remove(gone)
                    sent_before = True

        return self._run_batches(operation, id_batches(ext_ids), send, len)

    # -- push permission --------------------------------------------------------------------------------
    def enable_push(self, ext_id: str | None = None, device_token: str | None = None) -> None:
        self._post("enablePush", _push_target(ext_id, device_token))

    def disable_push(self, ext_id: str | None = None, device_token: str | None = None) -> None:
        self._post("disablePush", _push_target(ext_id, device_token))

    def enable_push_many(self, ext_ids: Sequence[str] = (), device_tokens: Sequence[str] = ()) -> WriteResult:
        """`enablePush` for many users or devices: the API takes one per request, so they run on the
        client's bounded pool, and a failure names how many were applied."""
        return self._single_target_writes("enablePush", ext_ids, device_tokens)

    def disable_push_many(
        self, ext_ids: Sequence[str] = (), device_tokens: Sequence[str] = ()
    ) -> WriteResult:
        return self._single_target_writes("disablePush", ext_ids, device_tokens)

    def _single_target_writes(
        self, operation: str, ext_ids: Sequence[str], device_tokens: Sequence[str]
    ) -> WriteResult:
        targets = [("extId", i) for i in dict.fromkeys(ext_ids)]
        targets += [("deviceToken", t) for t in dict.fromkeys(device_tokens)]
        return self._run_batches(
            operation, targets, lambda t: self._post(operation, {t[0]: t[1]}), lambda _t: 1
        )

    # -- tags -------------------------------------------------------------------------------------------
    def tag_users(self, tag: str, ext_ids: Sequence[str]) -> WriteResult:
        return self._id_list_write("tagUsers", ext_ids, lambda batch: {"tag": tag, "extIds": batch})

    def untag_users(self, tag: str, ext_ids: Sequence[str]) -> WriteResult:
        return self._id_list_write("untagUsers", ext_ids, lambda batch: {"tag": tag, "extIds": batch})

    def untag_users_not_existing(self, tag: str, ext_ids: Sequence[str]) -> list[str]:
        """`untagUsers` with `checkExistence`: untags and answers the ids Netmera does not know, 1000
        per request. The API's only batched existence read (used before an erasure)."""
        missing: list[str] = []
        lock = threading.Lock()

        def send(batch: list[str]) -> None:
            body = {"tag": tag, "extIds": batch, "checkExistence": True}
            response = self._core.request("untagUsers", "POST", "untagUsers", json=body)
            answer = self._parse("untagUsers", response, UntagUsersResponse) if response.content else None
            with lock:
                missing.extend(answer.not_exist if answer else ())

        self._run_batches("untagUsers", id_batches(ext_ids), send, len)
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
        return self._read_many(external_ids, lambda e: self.get_category_preferences(e, channels))

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
        self._post("deleteProfileAttributes", [DeleteProfileAttributesEntry(profile=list(keys)).to_wire()])

    def delete_profile_attribute_value(self, pairs: Sequence[DeleteProfileAttributeValueEntry]) -> None:
        """Remove each (attribute, value) from every user of the app."""
        self._post("deleteProfileAttributeValue", [p.to_wire() for p in pairs])

    def get_profile_attributes(
        self, ext_id: str | None = None, device_token: str | None = None
    ) -> ProfileAttributesResponse:
        if not ext_id and not device_token:
            raise ConfigurationError("getProfileAttributes needs an ext_id or a device_token")
        params = {"extId": ext_id} if ext_id else {"deviceToken": device_token}
        return self._get("getProfileAttributes", ProfileAttributesResponse, params)

    def get_profile_attributes_many(self, ext_ids: Sequence[str]) -> dict[str, ProfileAttributesResponse]:
        """`getProfileAttributes` for many users, with the client's bounded concurrency."""
        return self._read_many(ext_ids, lambda e: self.get_profile_attributes(ext_id=e))

    def app_profile_attributes(self) -> AppProfileAttributesResponse:
        """`app/profile-attributes`: the attribute definitions (data type, array flag) of the app."""
        return self._get("app/profile-attributes", AppProfileAttributesResponse)

    # -- devices ----------------------------------------------------------------------------------------
    def get_devices(self, ext_id: str, push_permitted: bool = False) -> DevicesResponse:
        params = {"extId": ext_id, "pushPermitted": "true" if push_permitted else "false"}
        return self._get("getDevices", DevicesResponse, params)

    def get_devices_many(self, ext_ids: Sequence[str]) -> dict[str, DevicesResponse]:
        """`getDevices` for many users, with the client's bounded concurrency."""
        return self._read_many(ext_ids, self.get_devices)

    def get_device_tokens(self, max_per_page: int = 100, offset: int = 0) -> Iterator[DeviceTokenEntry]:
        """Every installation, following `nextPage` as given (same origin only)."""
        first = self._get("getDeviceTokens", DeviceTokensResponse, {"max": max_per_page, "offset": offset})
        for page in self._pages("getDeviceTokens", first, DeviceTokensResponse):
            yield from page.devices

    # -- segments ---------------------------------------------------------------------------------------
    def get_segments(self) -> SegmentsResponse:
        return self._get("getSegments", SegmentsResponse)

    def get_segment_users(self, segment_id: int, max_per_page: int = 1000) -> Iterator[SegmentUser]:
        """Every user of a segment, following the opaque `nextPage` links (same origin only)."""
        first = self._get("getSegmentUsers", SegmentUsersResponse, {"id": segment_id, "max": max_per_page})
        for page in self._pages("getSegmentUsers", first, SegmentUsersResponse):
            yield from page.items

    def _pages(self, operation: str, first: R, model: type[R]) -> Iterator[R]:
        page: R | None = first
        while page is not None:
            yield page
            next_url: str | None = getattr(page, "next_page", None)
            if not next_url:
                return
            if not self._core.same_origin(next_url):
                raise UnsafePageError(
                    f"{operation}: nextPage {self._core.redact(next_url)!r} leaves "
                    f"{self.settings.base_url!r}; not followed, so the API key is not sent elsewhere"
                )
            page = self._parse(operation, self._core.request(operation, "GET", next_url), model)

    # -- push approval ----------------------------------------------------------------------------------
    def send_push_approval(self, message_ids: Sequence[int]) -> None:
        self._post("sendPushApproval", [PushApprovalEntry(message_id=m).to_wire() for m in message_ids])

    # -- email and SMS ----------------------------------------------------------------------------------
    def enable_mail(self, ext_ids: Sequence[str] = (), email_list: Sequence[str] = ()) -> WriteResult:
        return self._contact_write("enableMail", ext_ids, "emailList", email_list)

    def disable_mail(self, ext_ids: Sequence[str] = (), email_list: Sequence[str] = ()) -> WriteResult:
        return self._contact_write("disableMail", ext_ids, "emailList", email_list)

    def enable_sms(self, ext_ids: Sequence[str] = (), msisdn_list: Sequence[str] = ()) -> WriteResult:
        return self._contact_write("enableSms", ext_ids, "msisdnList", msisdn_list)

    def disable_sms(self, ext_ids: Sequence[str] = (), msisdn_list: Sequence[str] = ()) -> WriteResult:
        return self._contact_write("disableSms", ext_ids, "msisdnList", msisdn_list)

    def _contact_write(
        self, operation: str, ext_ids: Sequence[str], list_field: str, contacts: Sequence[str]
    ) -> WriteResult:
        by_id = self._id_list_write(operation, ext_ids, lambda batch: {"extIds": batch}) if ext_ids else None
        by_contact = (
            self._id_list_write(operation, contacts, lambda batch: {list_field: batch}) if contacts else None
        )
        results = [r for r in (by_id, by_contact) if r is not None]
        return WriteResult(operation, sum(r.requests for r in results), sum(r.ids for r in results))

    def update_email(self, ext_id: str, email: str) -> None:
        self._post("updateEmail", {"extId": ext_id, "email": email})

    def update_msisdn(self, ext_id: str, msisdn: str) -> None:
        self._post("updateMsisdn", {"extId": ext_id, "msisdn": msisdn})

    def update_email_many(self, emails: Mapping[str, str]) -> WriteResult:
        """`updateEmail` for many users (one per request) on the client's bounded pool."""
        return self._run_batches(
            "updateEmail", sorted(emails.items()), lambda p: self.update_email(*p), lambda _p: 1
        )

    def update_msisdn_many(self, msisdns: Mapping[str, str]) -> WriteResult:
        return self._run_batches(
            "updateMsisdn", sorted(msisdns.items()), lambda p: self.update_msisdn(*p), lambda _p: 1
        )


def _push_target(ext_id: str | None, device_token: str | None) -> dict[str, str]:
    if bool(ext_id) == bool(device_token):
        raise ConfigurationError("enablePush/disablePush take exactly one of ext_id or device_token")
    return {"extId": ext_id} if ext_id else {"deviceToken": device_token or ""}


__all__ = ["NetmeraClient", "WriteResult"]
