"""Our dynamic-provider host: Pulumi's own (`python -m pulumi.dynamic`), able to report partial applies.

When an update fails after some of its calls succeeded, the state must say what was applied, or a
later revert plans from a state that never happened (2,000 users left wrongly tagged in issue 13's
reproduction). Pulumi's protocol allows it: a provider fails with `ErrorResourceInitFailed` carrying
the resource's properties as they now are, and the engine records them. Pulumi's Python host turns
every exception into a plain error (its whole traceback), so this module runs that host unchanged but
hands its servicer a context whose `abort` sends such a partial failure when a provider raised
`PartialApply`, and otherwise the error's own message without the traceback.

tools/pulumi/build.sh installs `pulumi-resource-pulumi-python` to run this module instead of
`pulumi.dynamic`; under Pulumi's own script a `PartialApply` is reported as a plain error (its message
says what was applied) and the stack keeps the previous state.

Three more changes are about memory at a million users: the allocator gives back what a request
freed (`tuned_allocator`), the requests that carry collections are parsed lean (lean.py), and the
outputs keep the inputs' collections by reference (references.py).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import runpy
import sys
from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import status_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from .lean import LeanHandler
from .process import PartialApply, serving
from .references import answered

HOST_ENV = "NETMERA_IAC_PROVIDER_HOST"
DEBUG_ENV = "NETMERA_IAC_DEBUG"


class _Status(grpc.Status):  # type: ignore[misc]
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: Any) -> None:
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


class _PartialContext:
    """Delegates to gRPC's context; `abort` for a `PartialApply` becomes a partial failure."""

    def __init__(self, context: grpc.ServicerContext, resource_id: str) -> None:
        self._context = context
        self._id = resource_id

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def abort(self, code: grpc.StatusCode, details: str) -> None:
        partial: PartialApply | None = getattr(serving, "partial", None)
        serving.partial = None
        if partial is None:
            self._context.abort(code, _short(details))
            return
        loop = asyncio.new_event_loop()
        try:
            properties = loop.run_until_complete(rpc.serialize_properties(partial.outputs, {}))
        finally:
            loop.close()
        resource_id = partial.resource_id or self._id
        failed = provider_pb2.ErrorResourceInitFailed(
            id=resource_id, properties=properties, reasons=[partial.reason]
        )
        detail = any_pb2.Any()
        detail.Pack(failed)
        status = status_pb2.Status(code=code.value[0], message=partial.reason, details=[detail])
        trailer = (("grpc-status-details-bin", status.SerializeToString()),)
        self._context.abort_with_status(_Status(code, partial.reason, trailer))


def _short(details: str) -> str:
    """The error as a tool says it: the exception's own message, not Pulumi's 30-50 line traceback
    (whose useful line is the last). Our errors name the operation, Netmera's status, code and text;
    NETMERA_IAC_DEBUG=1 keeps the traceback."""
    error = sys.exc_info()[1]
    if os.environ.get(DEBUG_ENV) or error is None:
        return details
    return f"{error} (the traceback: set {DEBUG_ENV}=1)"


# glibc's mallopt parameters (malloc.h).
_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8


def tuned_allocator() -> Callable[[], None]:
    """Make glibc's allocator give memory back between requests; returns what does so after each.

    A request of a million ids frees hundreds of MB when it ends, but glibc keeps freed memory in its
    heap, in one arena per thread that served (gRPC serves each request on a thread of its pool), and
    raises its threshold for mapping large blocks after each one freed: the process then still holds
    the last request's memory while the engine's next one (three copies of the state's collections)
    arrives, and peaks at the sum. So: at most two arenas, blocks of 1 MiB and more always mapped (and
    unmapped when freed), and `malloc_trim` after each request. Elsewhere than glibc nothing changes."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt, trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        return _as_it_is
    mallopt(_M_ARENA_MAX, 2)
    mallopt(_M_MMAP_THRESHOLD, 1 << 20)

    def release() -> None:
        trim(0)

    return release


def _as_it_is() -> None:
    return None


_release: Callable[[], None] = _as_it_is  # main() sets the tuned allocator's


def _wrap(
    name: str, method: Callable[[Any, Any], Any], id_of: Callable[[Any], str]
) -> Callable[[Any, Any], Any]:
    def call(request: Any, context: grpc.ServicerContext) -> Any:
        serving.partial = None
        serving.urn = str(getattr(request, "urn", "") or "")
        serving.by_reference = frozenset()
        try:
            return answered(name, request, method(request, _PartialContext(context, id_of(request))))
        finally:
            _release()

    return call


def _install() -> None:
    original = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def add(servicer: Any, server: Any) -> Any:
        for name in ("Check", "Diff", "Create", "Update", "Delete", "Read"):
            setattr(
                servicer,
                name,
                _wrap(name, getattr(servicer, name), lambda request: str(getattr(request, "id", ""))),
            )
        server.add_generic_rpc_handlers((LeanHandler(servicer),))  # asked first
        return original(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = add


def main() -> None:
    global _release
    os.environ[HOST_ENV] = "1"
    _release = tuned_allocator()  # before gRPC starts its threads
    _install()
    runpy.run_module("pulumi.dynamic", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    # Run as `python -m`, this file is `__main__`, a second copy beside the `netmera_iac.adapters.host`
    # that providers import: use that one, so `PartialApply` and the host share one record.
    from netmera_iac.adapters import host

    host.main()
