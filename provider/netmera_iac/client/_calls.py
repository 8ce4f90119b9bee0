"""The client's plumbing, kept apart from its one-method-per-operation surface (client.py).

Requests carry the same pydantic models the emulator parses (models/), serialised once here. Writes
that carry id lists or entry arrays are de-duplicated and split into requests of at most 1000 unique
external ids, sent with bounded concurrency, and return a `WriteResult` counting what was applied. If
a batch fails for good the others still run, and a `BatchError` says which were applied.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from ..models import OS_HEADER, PushTarget, WireModel
from ._http import LISTENER, HttpCore, RetryEvent
from .batching import entry_batches, id_batches
from .errors import (
    BatchError,
    BatchOutcome,
    ConfigurationError,
    NetmeraError,
    ResponseFormatError,
    UnsafePageError,
)
from .settings import ClientSettings

R = TypeVar("R", bound=BaseModel)
E = TypeVar("E")
Body = WireModel | Sequence[WireModel]


@dataclass(frozen=True)
class WriteResult:
    """What a write sent: requests made and unique ids (or entries) they carried."""

    operation: str
    requests: int
    ids: int


class Calls:
    """Typed client for Netmera's user & device REST API. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        settings: ClientSettings | None = None,
        transport: httpx.BaseTransport | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
        before_send: Callable[[], None] | None = None,
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
        self._core = HttpCore(self.settings, transport=transport, on_retry=on_retry, before_send=before_send)
        self._pool = ThreadPoolExecutor(
            max_workers=self.settings.max_concurrency, thread_name_prefix="netmera"
        )

    def __repr__(self) -> str:
        return f"NetmeraClient(base_url={self.settings.base_url!r}, api_key=***)"

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _post(self, operation: str, body: Body) -> httpx.Response:
        """`body`: the operation's request model, or its entries (an array on the wire)."""
        wire = body.to_wire() if isinstance(body, WireModel) else [entry.to_wire() for entry in body]
        return self._core.request(operation, "POST", operation, json=wire)

    def _get(
        self,
        operation: str,
        model: type[R],
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> R:
        response = self._core.request(operation, "GET", operation, params=params, headers=headers)
        return self._parse(operation, response, model)

    @staticmethod
    def _parse(operation: str, response: httpx.Response, model: type[R]) -> R:
        """The answer as `model`. Fields the product does not use are ignored and optional ones may be
        missing (models/ says, per read, which fields are needed); a needed field that is missing or
        unusable is named, with a snippet of the answer."""
        snippet = response.text[:160]
        try:
            data = response.json()
        except ValueError:
            raise ResponseFormatError(f"{operation}: the answer is not JSON: {snippet!r}") from None
        try:
            return model.model_validate(data, strict=False)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(the whole answer)"
            what = "lacks" if first["type"] == "missing" else f"has an unusable ({first['msg'].lower()})"
            raise ResponseFormatError(
                f"{operation}: the answer {what} `{where}`, which netmera-iac needs "
                f"({exc.error_count()} problem(s); answer: {snippet!r})"
            ) from None

    def _read_many(self, operation: str, ids: Sequence[str], read: Callable[[str], R]) -> dict[str, R]:
        """One read per unique id, on the client's bounded pool; the caller's listener hears of each
        (a refresh of 100,000 profiles is 100,000 reads)."""
        unique = list(dict.fromkeys(ids))
        listener = LISTENER.get()

        def one(ext_id: str) -> R:
            try:
                answer = read(ext_id)
            except NetmeraError:
                if listener is not None:
                    listener.batch(operation, 1, False)
                raise
            if listener is not None:
                listener.batch(operation, 1, True)
            return answer

        calls = [(contextvars.copy_context(), ext_id) for ext_id in unique]
        return dict(zip(unique, self._pool.map(lambda c: c[0].run(one, c[1]), calls), strict=True))

    def _run_batches(
        self,
        operation: str,
        batches: Sequence[E],
        send: Callable[[E], object],
        size: Callable[[E], int],
        keys: Callable[[E], Iterable[str]],
    ) -> WriteResult:
        """Send each batch on the pool; a failure names, per batch, the ids it carried (`keys`)."""
        listener = LISTENER.get()

        def run(item: tuple[int, E]) -> BatchOutcome:
            index, batch = item
            try:
                send(batch)
            except NetmeraError as exc:
                if listener is not None:
                    listener.batch(operation, size(batch), False)
                return BatchOutcome(index, size(batch), exc, tuple(keys(batch)))
            if listener is not None:
                listener.batch(operation, size(batch), True)
            return BatchOutcome(index, size(batch), keys=tuple(keys(batch)))

        # Each batch runs in a copy of the caller's context, so retries are heard by its listener.
        calls = [(contextvars.copy_context(), item) for item in enumerate(batches)]
        outcomes = list(self._pool.map(lambda call: call[0].run(run, call[1]), calls))
        failed = [o for o in outcomes if o.error is not None]
        applied = [o for o in outcomes if o.error is None]
        if failed:
            if len(outcomes) == 1 and failed[0].error is not None:
                raise failed[0].error  # nothing to report as applied: the error itself is clearer
            raise BatchError(operation, applied, failed)
        return WriteResult(operation, requests=len(batches), ids=sum(o.ids for o in outcomes))

    def _id_list_write(
        self, operation: str, ext_ids: Sequence[str], body: Callable[[list[str]], WireModel]
    ) -> WriteResult:
        return self._run_batches(
            operation, id_batches(ext_ids), lambda b: self._post(operation, body(b)), len, ids_of_list
        )

    def _entry_write(
        self, operation: str, entries: Sequence[WireModel], key: Callable[[Any], str | None]
    ) -> WriteResult:
        def send(batch: list[WireModel]) -> None:
            self._post(operation, batch)

        def ids(batch: list[WireModel]) -> list[str]:
            return [k for k in map(key, batch) if k is not None]

        return self._run_batches(operation, entry_batches(entries, key), send, len, ids)

    def _single_target_writes(
        self, operation: str, ext_ids: Sequence[str], device_tokens: Sequence[str]
    ) -> WriteResult:
        targets = [("extId", i) for i in dict.fromkeys(ext_ids)]
        targets += [("deviceToken", t) for t in dict.fromkeys(device_tokens)]
        return self._run_batches(
            operation,
            targets,
            lambda t: self._post(operation, PushTarget(**{t[0]: t[1]})),
            carries_one,
            lambda t: (t[1],),
        )

    def _platform(self) -> dict[str, str]:
        """The header getSegments and getSegmentUsers need (stack config netmera:os)."""
        return {OS_HEADER: self.settings.os}

    def _pages(
        self, operation: str, first: R, model: type[R], headers: dict[str, str] | None = None
    ) -> Iterator[R]:
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
            response = self._core.request(operation, "GET", next_url, headers=headers)
            page = self._parse(operation, response, model)


def ids_of_list(batch: list[str]) -> list[str]:
    """The ids of a batch that is a list of ids."""
    return batch


def carries_one(_item: object) -> int:
    """A request that carries one id."""
    return 1
