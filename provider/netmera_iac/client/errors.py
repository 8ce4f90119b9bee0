"""The client's one error tree. httpx's exceptions never escape; they are chained as `__cause__`.

    NetmeraError
    ├── ConfigurationError        bad or missing settings (no API key, bad base URL); never retried
    ├── UnsafePageError           a `nextPage` pointing away from the configured base URL (key not sent)
    ├── TransportError            timeouts and dropped connections, after retries
    ├── BatchError                some batches of a split request failed for good; says which were applied
    ├── ResponseFormatError       a 2xx answer that is not in the documented shape
    └── APIError                  Netmera answered with an error (status, code, text)
        ├── BadRequestError       400: wrong type 2004, invalid JSON 2009, missing parameter 2020, ...
        ├── AuthenticationError   403/2010 invalid key, 401/5007
        ├── PermissionDeniedError 403/2021 IP not allowed, 403/2022, 403/4000, 400/5021, 400/5022
        ├── NotFoundError         400/5016 user, 400/5003 message, 400/5042 segment
        ├── InvalidAddressError   400/6000: an email address Netmera rejected (whole request failed)
        ├── RateLimitError        429 (retried, honouring Retry-After)
        └── ServerError           5xx (retried except 501), 400/2001 "Retry later"

Netmera reuses codes across statuses (2021 is a 400 and a 403), so the class is chosen by the pair
(HTTP status, Netmera code), falling back to the status alone.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_TEXT = 200  # Netmera's text is cut so that messages and logs stay small and safe.


class NetmeraError(Exception):
    """Base of every error the client raises. `attempts`: how often the failing request was sent."""

    attempts: int = 1


class ConfigurationError(NetmeraError):
    """Settings are missing or invalid; nothing was sent."""


class UnsafePageError(NetmeraError):
    """A pagination link points to another scheme, host or port; it was not followed."""


class ResponseFormatError(NetmeraError):
    """Netmera answered 2xx, but the body is not what the API documents."""


class TransportError(NetmeraError):
    """The request did not get an answer (timeout, refused or dropped connection), after retries."""

    def __init__(self, operation: str, detail: str, attempts: int) -> None:
        super().__init__(f"{operation}: no answer from Netmera after {attempts} attempt(s): {detail}")
        self.operation = operation
        self.attempts = attempts


class APIError(NetmeraError):
    """Netmera answered with an error."""

    retryable = False

    def __init__(self, operation: str, status: int, code: int | None, text: str) -> None:
        self.operation = operation
        self.status = status
        self.code = code
        self.text = text[:MAX_TEXT]
        code_part = f", Netmera code {code}" if code is not None else ""
        super().__init__(f"{operation}: HTTP {status}{code_part}: {self.text}")


class BadRequestError(APIError):
    pass


class AuthenticationError(APIError):
    pass


class PermissionDeniedError(APIError):
    pass


class NotFoundError(APIError):
    pass


class InvalidAddressError(BadRequestError):
    pass


class RateLimitError(APIError):
    retryable = True

    def __init__(
        self, operation: str, status: int, code: int | None, text: str, retry_after: float | None = None
    ) -> None:
        super().__init__(operation, status, code, text)
        self.retry_after = retry_after


class ServerError(APIError):
    retryable = True


_BY_STATUS_AND_CODE: dict[tuple[int, int], type[APIError]] = {
    (400, 2001): ServerError,
    (400, 2004): BadRequestError,
    (400, 2009): BadRequestError,
    (400, 2020): BadRequestError,
    (400, 2021): BadRequestError,  # invalid configuration
    (403, 2010): AuthenticationError,
    (401, 5007): AuthenticationError,
    (403, 2021): PermissionDeniedError,  # IP not allowed
    (403, 2022): PermissionDeniedError,
    (403, 4000): PermissionDeniedError,
    (400, 5021): PermissionDeniedError,  # service usage not allowed
    (400, 5022): PermissionDeniedError,  # quota exceeded
    (400, 5003): NotFoundError,
    (400, 5016): NotFoundError,
    (400, 5042): NotFoundError,
    (400, 6000): InvalidAddressError,
}


def error_class(status: int, code: int | None) -> type[APIError]:
    if code is not None and (status, code) in _BY_STATUS_AND_CODE:
        return _BY_STATUS_AND_CODE[(status, code)]
    if status == 429:
        return RateLimitError
    if status in (401, 403):
        return AuthenticationError if status == 401 else PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status >= 500:
        return ServerError
    return BadRequestError


@dataclass(frozen=True)
class BatchOutcome:
    """One request of a split operation: its position, how many ids it carried, its error if any, and
    the ids themselves (`keys`), so a failure is reported by id and no caller re-batches to find them."""

    index: int
    ids: int
    error: NetmeraError | None = None
    keys: tuple[str, ...] = ()


SHOWN_FAILURES = 3


class BatchError(NetmeraError):
    """Some batches failed for good. `applied` were answered 200; `failed` were not applied (or their
    outcome is unknown: a request that failed may have been applied before its answer was lost)."""

    @property
    def applied_ids(self) -> set[str]:
        return {k for b in self.applied for k in b.keys}

    @property
    def failed_ids(self) -> set[str]:
        return {k for b in self.failed for k in b.keys}

    def __init__(self, operation: str, applied: list[BatchOutcome], failed: list[BatchOutcome]) -> None:
        self.operation = operation
        self.applied = applied
        self.failed = failed
        total = len(applied) + len(failed)
        # One line whatever the number of batches (a million ids are a thousand of them): each kind
        # of failure once (an outage fails every batch alike), with the batches it stands for.
        kinds: dict[str, list[BatchOutcome]] = {}
        for b in failed:
            kinds.setdefault(str(b.error), []).append(b)
        shown = "; ".join(
            f"{_batches(outcomes)}: {message}" for message, outcomes in list(kinds.items())[:SHOWN_FAILURES]
        )
        more = f"; … and {len(kinds) - SHOWN_FAILURES} other answers" if len(kinds) > SHOWN_FAILURES else ""
        done = sum(b.ids for b in applied)
        super().__init__(
            f"{operation}: {len(failed)} of {total} batches failed and were not applied: {shown}{more}. "
            f"Applied: {len(applied)} batch(es), {done} ids."
        )


def _batches(outcomes: list[BatchOutcome]) -> str:
    """`#2 (1000 ids)` or `10 batches (#1-#10, 10000 ids)`."""
    ids = sum(b.ids for b in outcomes)
    if len(outcomes) == 1:
        return f"#{outcomes[0].index + 1} ({ids} ids)"
    first, last = outcomes[0].index + 1, outcomes[-1].index + 1
    return f"{len(outcomes)} batches (#{first}-#{last}, {ids} ids)"
