"""One request to Netmera: rate and concurrency caps, retries, and the error mapping.

Retries use stamina (bounded attempts, an overall deadline, exponential backoff with jitter). Retried:
429 (waiting at least its Retry-After, up to a cap), 5xx except 501, timeouts and dropped connections.
Every other 4xx is final. Every Netmera write we send is idempotent (sets, flags, overwrites), so a
write whose answer was lost may be sent again; `deleteUsersPermanently` is handled by the client.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import unicodedata
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import quote

import httpx
import stamina

from .errors import (
    APIError,
    ConfigurationError,
    NetmeraError,
    RateLimitError,
    TransportError,
    error_class,
)
from .settings import ClientSettings

log = logging.getLogger("netmera_iac.client")
API_KEY_HEADER = "X-netmera-api-key"
# stamina's default hook logs every retry once more (`stamina.retry_scheduled`, no detail) next to
# ours; a 429 storm printed each retry twice. The client reports retries itself (`_report`).
stamina.instrumentation.set_on_retry_hooks([])
RETRY_LOG_SECONDS = 10.0  # a retry line per operation at most this often when nobody listens


@dataclass(frozen=True)
class RetryEvent:
    """Reported to `on_retry` before each retry: what failed and how long we intend to wait."""

    operation: str
    attempt: int
    reason: str
    wait: float | None  # None: stamina's exponential backoff with jitter


class CallListener(Protocol):
    """Told of each request batch's end and each retry of the calls made in its context (`LISTENER`):
    how a long apply reports its progress without the client knowing who asks."""

    def batch(self, operation: str, ids: int, ok: bool) -> None: ...

    def retry(self, event: RetryEvent) -> None: ...


# Set by a caller around the calls it wants to hear of; batches carry it into the pool's threads.
LISTENER: ContextVar[CallListener | None] = ContextVar("netmera_call_listener", default=None)


class Throttle:
    """Spaces request starts at least 1/rate seconds apart, across all threads of one client.

    Small enough to own (a GCRA: one timestamp and a lock); the clock and sleep are injectable for tests.
    """

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


def header_problem(key: str) -> str | None:
    """Why `key` cannot travel in an HTTP header, naming the character and where, never the key:
    httpx would refuse it with the key's bytes in the message."""
    for position, char in enumerate(key, start=1):
        if char in "\r\n":
            return (
                f"ends in a line break (character {position} of {len(key)}): a key read with "
                "`$(cat file)` or from a file keeps it; remove it"
                if key[position - 1 :].strip() == ""
                else f"holds a line break at character {position} of {len(key)}"
            )
        if not char.isascii() or (not char.isprintable() and char != " "):
            name = f"U+{ord(char):04X} {unicodedata.name(char, 'a control character')}"
            return f"holds a character an HTTP header cannot carry at character {position}: {name}"
    if key != key.strip():
        return "starts or ends with white space; remove it"
    return None


def secret_forms(secret: str) -> list[str]:
    """The secret as it may appear in a message: raw, escaped as by repr() of the text or its bytes,
    as JSON, URL-quoted; longest first, so a longer form is replaced whole."""
    if not secret:
        return []
    forms = {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8"))[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote(secret),
    }
    return sorted((f for f in forms if f), key=len, reverse=True)


class _Transient(Exception):
    """A transport failure worth retrying; becomes `TransportError` when retries run out."""


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class HttpCore:
    """Owns the httpx client; `request` is the only way anything reaches Netmera."""

    def __init__(
        self,
        settings: ClientSettings,
        transport: httpx.BaseTransport | None = None,
        on_retry: Callable[[RetryEvent], None] | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> None:
        """`before_send` runs right before every attempt leaves (retries too), once the request is
        built (an httpx request hook): the provider host's check that the engine is still there to
        record what is sent."""
        if settings.api_key is None or not settings.api_key.get_secret_value():
            raise ConfigurationError(
                "no Netmera API key: set the secret stack config `netmera:apiKey` or NETMERA_API_KEY"
            )
        problem = header_problem(settings.api_key.get_secret_value())
        if problem:
            raise ConfigurationError(f"the Netmera API key {problem}")
        base = httpx.URL(settings.base_url.rstrip("/") + "/")
        if base.scheme not in ("http", "https") or not base.host:
            raise ConfigurationError(
                f"the Netmera base URL must be an http(s) URL, got {settings.base_url!r}"
            )
        self.settings = settings
        self.base_url = base
        self._secret = settings.api_key.get_secret_value()
        self._forms = secret_forms(self._secret)
        self._on_retry = on_retry
        self._retry_lock = threading.Lock()
        self._retry_logged: dict[str, tuple[float, int]] = {}  # operation -> (last line, retries since)
        self._throttle = Throttle(settings.max_requests_per_second)
        self._in_flight = threading.BoundedSemaphore(settings.max_concurrency)
        self._http = httpx.Client(
            base_url=base,
            headers={API_KEY_HEADER: self._secret, "Accept": "application/json"},
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            limits=httpx.Limits(max_connections=settings.max_concurrency),
            transport=transport,
            follow_redirects=False,
            event_hooks={"request": [lambda _: before_send()] if before_send else []},
        )

    def close(self) -> None:
        self._http.close()

    def redact(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, "***")
        return text

    def same_origin(self, url: str) -> bool:
        target = httpx.URL(url)
        return (target.scheme, target.host, target.port) == (
            self.base_url.scheme,
            self.base_url.host,
            self.base_url.port,
        )

    # -- one attempt ----------------------------------------------------------------------------------
    def _send_once(self, operation: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self._throttle.acquire()
        with self._in_flight:
            started = time.perf_counter()
            try:
                response = self._http.request(method, url, **kwargs)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                raise _Transient(f"{type(exc).__name__}: {self.redact(str(exc))}") from exc
            except httpx.HTTPError as exc:
                raise ConfigurationError(
                    f"{operation}: cannot send the request: {self.redact(str(exc))}"
                ) from exc
        log.debug(
            "%s %s -> %s in %.0f ms",
            method,
            operation,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        if response.is_success:
            return response
        raise self._api_error(operation, response)

    def _api_error(self, operation: str, response: httpx.Response) -> APIError:
        code: int | None = None
        text = response.text.strip()
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            raw_code = body.get("code")
            code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
            text = str(body.get("error") or body.get("detail") or body.get("title") or text)
        text = self.redact(text) or response.reason_phrase
        cls = error_class(response.status_code, code)
        if cls is RateLimitError:
            return RateLimitError(
                operation,
                response.status_code,
                code,
                text,
                _retry_after_seconds(response.headers.get("Retry-After")),
            )
        return cls(operation, response.status_code, code, text)

    # -- with retries ---------------------------------------------------------------------------------
    def request(self, operation: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """Send with retries; raises a `NetmeraError` whose `attempts` says how often it was sent."""
        s = self.settings
        attempt = 0

        def backoff(number: int) -> float:
            return float(min(s.retry_initial_wait * 2 ** (number - 1), s.retry_max_wait))

        def should_retry(exc: Exception) -> bool | float:
            last = attempt >= s.max_attempts  # stamina asks for the last attempt too; nothing follows
            if isinstance(exc, RateLimitError):
                # Retry-After is a minimum (RFC 9110); never wait longer than the cap.
                wait = min(max(exc.retry_after or 0.0, backoff(attempt)), s.retry_after_cap)
                if not last:
                    self._report(operation, attempt, str(exc), wait)
                return wait
            retry = isinstance(exc, _Transient) or (
                isinstance(exc, APIError) and exc.retryable and exc.status != 501
            )
            if retry and not last:
                self._report(operation, attempt, str(exc), None)
            return retry

        try:
            for retrying in stamina.retry_context(
                on=should_retry,
                attempts=s.max_attempts,
                timeout=s.retry_deadline,
                wait_initial=s.retry_initial_wait,
                wait_max=s.retry_max_wait,
                wait_jitter=s.retry_jitter,
            ):
                with retrying:
                    attempt = retrying.num
                    return self._send_once(operation, method, url, **kwargs)
        except _Transient as exc:
            raise TransportError(operation, str(exc), attempt) from exc.__cause__
        except NetmeraError as exc:
            exc.attempts = attempt
            raise
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    def _report(self, operation: str, attempt: int, reason: str, wait: float | None) -> None:
        """A listener (an apply's progress) reports retries in its own words and pace; otherwise one
        log line per operation per RETRY_LOG_SECONDS, counting the retries it stands for."""
        event = RetryEvent(operation, attempt, reason, wait)
        if self._on_retry is not None:
            self._on_retry(event)
        listener = LISTENER.get()
        if listener is not None:
            listener.retry(event)
            return
        now = time.monotonic()
        with self._retry_lock:
            last, unsaid = self._retry_logged.get(operation, (-RETRY_LOG_SECONDS, 0))
            if now - last < RETRY_LOG_SECONDS:
                self._retry_logged[operation] = (last, unsaid + 1)
                return
            self._retry_logged[operation] = (now, 0)
        log.warning(
            "%s: attempt %d failed (%s); retrying%s%s",
            operation,
            attempt,
            reason,
            f" in {wait:.2f}s" if wait is not None else "",
            f" ({unsaid} more retries since the last such line)" if unsaid else "",
        )
