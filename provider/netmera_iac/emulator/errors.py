"""Errors the emulator answers with, as (HTTP status, Netmera code, text) like the real API.

Codes and statuses follow shared/reference/netmera-api.md §2. Netmera reuses codes across statuses,
so both are always set together here.
"""

from __future__ import annotations


class EmulatorError(Exception):
    """Rendered as `{"code": code, "error": text}` with `status`."""

    def __init__(self, status: int, code: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.code = code
        self.text = text


def invalid_api_key() -> EmulatorError:
    return EmulatorError(403, 2010, "API key is invalid")


def invalid_json(detail: str = "Invalid JSON") -> EmulatorError:
    return EmulatorError(400, 2009, detail)


def missing_parameter(name: str) -> EmulatorError:
    return EmulatorError(400, 2020, f"Missing required parameter: {name}")


def wrong_type(field: str, expected: str) -> EmulatorError:
    return EmulatorError(400, 2004, f"Field '{field}' should be {expected}")


def too_many_ids(count: int, limit: int) -> EmulatorError:
    # Netmera documents the limit but not the error; a field-validation failure (2004) is what it
    # returns for other per-field limits, so the emulator uses it and the README says so.
    return EmulatorError(
        400, 2004, f"At most {limit} unique external ids are allowed in one request, got {count}"
    )


def user_not_found(ext_id: str) -> EmulatorError:
    return EmulatorError(
        400,
        5016,
        f"User with external id '{ext_id}' does not exist or has already been permanently deleted",
    )


def invalid_address(address: str) -> EmulatorError:
    return EmulatorError(400, 6000, f"Invalid address: {address}")


def message_not_found(message_id: int) -> EmulatorError:
    return EmulatorError(400, 5003, f"Message with given messageId not found: {message_id}")


def segment_not_found(segment_id: int) -> EmulatorError:
    return EmulatorError(400, 5042, f"Segment not found: {segment_id}")


def retry_later() -> EmulatorError:
    # Observed live for getSegmentUsers on a connector segment (netmera-api.md §2).
    return EmulatorError(400, 2001, "An unexpected error occurred. Retry later.")


def internal_error() -> EmulatorError:
    return EmulatorError(500, 2001, "Internal server error")
