"""Typed client for Netmera's user & device REST API (httpx + pydantic + stamina)."""

from ._http import LISTENER, CallListener, RetryEvent, Throttle
from .batching import entry_batches, id_batches
from .client import NetmeraClient, WriteResult
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BatchError,
    BatchOutcome,
    ConfigurationError,
    InvalidAddressError,
    NetmeraError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
    UnsafePageError,
    error_class,
)
from .settings import ClientSettings, Connection, resolve_connection

__all__ = [
    "LISTENER",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "BatchOutcome",
    "CallListener",
    "ClientSettings",
    "ConfigurationError",
    "Connection",
    "InvalidAddressError",
    "NetmeraClient",
    "NetmeraError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseFormatError",
    "RetryEvent",
    "ServerError",
    "Throttle",
    "TransportError",
    "UnsafePageError",
    "WriteResult",
    "entry_batches",
    "error_class",
    "id_batches",
    "resolve_connection",
]
