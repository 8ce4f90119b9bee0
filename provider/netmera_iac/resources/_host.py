"""One `NetmeraClient` per provider process and configuration.

Pulumi's Python dynamic-provider host serves every resource of a deployment from one process, and
several resources may be applied at once; sharing the client makes its rate and concurrency caps hold
across the whole deployment rather than per resource.
"""

from __future__ import annotations

import atexit
import threading

from ..client import NetmeraClient

_lock = threading.Lock()
_clients: dict[tuple[str | None, str], NetmeraClient] = {}


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
