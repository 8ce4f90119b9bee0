"""Serving the emulator: in the foreground (`netmera-iac emulator serve`) or on a background thread."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from ..models import BASE_PATH
from .app import create_app
from .faults import DroppedConnection
from .shapes import Shape
from .storage import Store

DEMO_API_KEY = "demo-netmera-api-key"
DEFAULT_DB = Path(".netmera") / "emulator.db"


def _config(
    store: Store, fixture: str, host: str, port: int, answers: Shape = "documented"
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(store, fixture=fixture, answers=answers),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        # Requests of 1000 entries are ordinary; keep-alive lets clients reuse connections.
        timeout_keep_alive=30,
    )


def serve(host: str, port: int, db: str | Path, fixture: str, answers: Shape = "documented") -> None:
    """Run until interrupted. `db` is a file path or `:memory:`."""
    store = Store(db)
    uvicorn.Server(_config(store, fixture, host, port, answers)).run()


class ServedEmulator:
    """An emulator on a free local port, on a daemon thread; a context manager.

    Used by tests and benchmarks: the Pulumi engine runs dynamic providers in their own processes,
    which can only reach the emulator over HTTP.
    """

    def __init__(
        self, db: str | Path = ":memory:", fixture: str = "demo", host: str = "127.0.0.1", port: int = 0
    ) -> None:
        """`port` 0 picks a free one; a fixed port and a file `db` let a test restart "Netmera"."""
        self.store = Store(db)
        self._server = uvicorn.Server(_config(self.store, fixture, host, port))
        self._thread = threading.Thread(target=self._server.run, name="netmera-emulator", daemon=True)
        self.host = host
        self.port = 0

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}{BASE_PATH}"

    def start(self) -> ServedEmulator:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.store.close()

    def __enter__(self) -> ServedEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# Uvicorn logs the injected connection drops as application errors; they are expected.
def _not_an_injected_drop(record: logging.LogRecord) -> bool:
    return not (record.exc_info and isinstance(record.exc_info[1], DroppedConnection))


logging.getLogger("uvicorn.error").addFilter(_not_an_injected_drop)
