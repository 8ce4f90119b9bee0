"""Process-wide facts of the dynamic-provider host that our providers rely on.

1. One `NetmeraClient` per process and configuration: Pulumi's Python dynamic-provider host serves
   every resource of a deployment from one process, and several resources may be applied at once;
   sharing the client makes its rate and concurrency caps hold across the whole deployment.
2. The provider stops when the engine is gone. A killed `pulumi up` leaves the provider process
   running (it is the child of a shell the CLI started, not of the CLI), and it would go on sending
   the rest of an update that nothing will ever record. The engine passes its own address as the
   provider's first argument; a watchdog connects to it twice a second and ends the process at once
   (`os._exit`, no cleanup that could send) after two failed attempts. The watchdog alone would
   leave up to a second in which requests still leave; so every request, each retry too, is preceded
   by one connection attempt to the engine (`engine_alive`, a loopback connect: well under a
   millisecond), and none is sent once the engine's death can be seen.
3. The stack config `netmera-iac:journal`, read in `configure()`: where the stack's journal lives
   when its backend cannot hold it (backends/).
4. What our provider host (adapters/host.py) knows about the request a thread serves: its URN (the
   journal is kept per resource), a `PartialApply` raised while serving it, and the collections the
   provider lets its answer keep by reference (references.py). They live here, not in
   host.py, so that no module of the package imports the host, which runs as `python -m`.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from ..client import NetmeraClient

log = logging.getLogger("netmera_iac.adapters")
EXIT_ENGINE_GONE = 75
_ADDRESS = re.compile(r"(?P<host>[\w.\-]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})")
_watching = False
_engine: tuple[str, int] | None = None
_journal_setting: str | None = None

_lock = threading.Lock()
# Set by our provider host (adapters/host.py) for each request it serves.
serving = threading.local()


def current_urn() -> str | None:
    """The URN of the resource whose request this thread serves (Pulumi's dynamic providers are not
    told it); None outside our provider host."""
    return getattr(serving, "urn", None) or None


def keep_by_reference(*keys: str) -> None:
    """Let the host keep these collections of the answer to this thread's request by reference to
    the inputs (adapters/references.py): those whose difference the provider's diff always reports,
    so that a reference is never left beside inputs that no longer hold its collection."""
    serving.by_reference = frozenset(keys)


def kept_by_reference() -> frozenset[str]:
    return frozenset(getattr(serving, "by_reference", None) or ())


class PartialApply(Exception):
    """An update or create that failed after changing something: `outputs` is what Netmera now has.
    Our provider host (adapters/host.py) reports it as a partial failure, which the engine records."""

    def __init__(self, outputs: dict[str, Any], reason: str, resource_id: str | None = None) -> None:
        super().__init__(reason)
        self.outputs = outputs
        self.reason = reason
        self.resource_id = resource_id  # a create's id (an update keeps its own)
        serving.partial = self  # read by the host's context when the error reaches it


_clients: dict[tuple[str | None, str], NetmeraClient] = {}


def shared_client(api_key: str | None, base_url: str) -> NetmeraClient:
    with _lock:
        key = (api_key, base_url)
        if key not in _clients:
            _clients[key] = NetmeraClient(api_key, base_url, before_send=engine_alive)
        return _clients[key]


def set_journal_setting(value: str | None) -> None:
    global _journal_setting
    _journal_setting = value


def journal_setting() -> str | None:
    return _journal_setting


def engine_warning(message: str, urn: str | None = None) -> None:
    """A warning in the engine's own display, on the resource this thread serves (or `urn`: from a
    thread of the client's pool), what `pulumi up` prints under Diagnostics. Without a known engine
    (a test calling a provider) it is logged."""
    _engine_log(message, urn or current_urn() or "", ephemeral=False)


def engine_status(message: str, urn: str) -> None:
    """The resource's status line in the engine's display (an ephemeral message: shown while the
    resource runs, never kept under Diagnostics)."""
    _engine_log(message, urn, ephemeral=True)


def _engine_log(message: str, urn: str, ephemeral: bool) -> None:
    if _engine is None:
        log.info(message) if ephemeral else log.warning(message)
        return
    import grpc  # loaded only in the provider host
    from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

    host, port = _engine
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    severity = engine_pb2.INFO if ephemeral else engine_pb2.WARNING
    with grpc.insecure_channel(target) as channel:
        request = engine_pb2.LogRequest(severity=severity, message=message, urn=urn, ephemeral=ephemeral)
        engine_pb2_grpc.EngineStub(channel).Log(request, timeout=10)


def engine_alive() -> None:
    """Called before every request: ends the process at once if the engine that started it is gone
    (nothing would record what we send). Without a known engine (a test calling a provider) it
    does nothing."""
    if _engine is not None and not _reachable(_engine, timeout=0.5):
        _stop()


def _reachable(address: tuple[str, int], timeout: float) -> bool:
    """The engine is alive while its gRPC port accepts a connection (a kill closes it at once)."""
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


def watch_engine(argv: Sequence[str] | None = None, interval: float = 0.5) -> bool:
    """Start the watchdog once per process, when running as Pulumi's dynamic-provider host."""
    global _watching, _engine
    argv = sys.argv if argv is None else argv
    with _lock:
        if _watching:
            return True
        main = argv[0] if argv else ""
        if not main.endswith(os.path.join("pulumi", "dynamic", "__main__.py")):
            return False  # a test calling providers directly, not the engine's plugin
        found = next((m for a in argv[1:] if (m := _ADDRESS.fullmatch(a))), None)
        if found is None:
            log.warning("no engine address among the provider's arguments; cannot watch the engine")
            return False
        host, port = found["host"].strip("[]"), int(found["port"])
        _engine = (host, port)
        threading.Thread(target=_watch, args=(host, port, interval), daemon=True, name="engine-watch").start()
        _watching = True
        return True


def _watch(host: str, port: int, interval: float) -> None:
    misses = 0
    while True:
        time.sleep(interval)
        misses = 0 if _reachable((host, port), timeout=interval) else misses + 1
        if misses >= 2:
            _stop()


def _stop() -> None:
    try:  # the engine read our stderr: with it gone, writing may fail (a broken pipe)
        sys.stderr.write("netmera-iac: the Pulumi engine is gone; stopping before sending more\n")
        sys.stderr.flush()
    finally:
        os._exit(EXIT_ENGINE_GONE)


@atexit.register
def _close_clients() -> None:
    for client in _clients.values():
        client.close()
