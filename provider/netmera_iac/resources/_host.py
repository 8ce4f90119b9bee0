"""Two process-wide facts of the dynamic-provider host that our providers rely on.

1. Pulumi's Python dynamic-provider host (`python -m pulumi.dynamic`) serves every resource of a
   deployment from one gRPC server with a hard-coded pool of 4 worker threads. The shards of a tag
   wait for each other in `create`/`update` so that the tag costs the minimum number of calls
   (`_coalesce.py`); while they wait, the engine's `check` calls for the remaining shards need
   workers too. `widen_worker_pool` raises the pool's limit once per process. It touches grpc's
   private server state, so it is guarded: if the attribute is not there, nothing changes and
   coalescing falls back to its timeout (still correct, possibly more calls).
2. One `NetmeraClient` per process and configuration, so the rate and concurrency caps hold across
   all resources of the deployment rather than per resource.
"""

from __future__ import annotations

import atexit
import gc
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from ..client import NetmeraClient

log = logging.getLogger("netmera_iac.resources")
WORKERS = 256

_lock = threading.Lock()
_widened = False
_clients: dict[tuple[str | None, str], NetmeraClient] = {}


def widen_worker_pool(minimum: int = WORKERS) -> bool:
    """Let the host serve up to `minimum` calls at once. Returns whether a pool was widened."""
    global _widened
    with _lock:
        if _widened:
            return True
        try:
            from grpc._server import _Server
        except ImportError:  # pragma: no cover - grpc always ships it today
            return False
        for obj in gc.get_objects():
            if isinstance(obj, _Server):
                pool = getattr(getattr(obj, "_state", None), "thread_pool", None)
                if isinstance(pool, ThreadPoolExecutor) and getattr(pool, "_max_workers", minimum) < minimum:
                    pool._max_workers = minimum  # read by ThreadPoolExecutor._adjust_thread_count
                    _widened = True
        if not _widened:
            log.info("no dynamic-provider worker pool found to widen; shards may cost extra calls")
        return _widened


def widened() -> bool:
    return _widened


def shared_client(api_key: str | None, base_url: str) -> NetmeraClient:
    with _lock:
        key = (api_key, base_url)
        if key not in _clients:
            _clients[key] = NetmeraClient(api_key, base_url)
        return _clients[key]


@atexit.register
def _close_clients() -> None:
    for client in _clients.values():
        client.close()
