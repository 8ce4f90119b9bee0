"""Nothing acknowledged is lost: kill the server hard during a stream of writes and restart it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

KEY = {"X-netmera-api-key": "demo-netmera-api-key"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(db: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "netmera_iac.cli", "emulator", "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("emulator did not start")


def test_every_acknowledged_write_survives_a_hard_kill(tmp_path: Path) -> None:
    db, port = tmp_path / "emulator.db", free_port()
    server = start(db, port)
    acknowledged: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/rest/3.0", headers=KEY, timeout=5) as client:
            for i in range(100_000):
                if stop.is_set():
                    return
                tag = f"t{i}"
                try:
                    response = client.post("/tagUsers", json={"tag": tag, "extIds": ["cust-ayse"]})
                except httpx.TransportError:
                    return  # the server died under us
                if response.status_code == 200:
                    acknowledged.append(tag)

    thread = threading.Thread(target=writer)
    thread.start()
    while len(acknowledged) < 200:
        time.sleep(0.01)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    stop.set()
    thread.join()

    server = start(db, port)
    try:
        stored = httpx.get(f"http://127.0.0.1:{port}/_emulator/apps/demo/users/cust-ayse/tags").json()
    finally:
        server.kill()
        server.wait()
    missing = set(acknowledged) - set(stored)
    assert len(acknowledged) >= 200
    assert not missing, f"{len(missing)} acknowledged writes were lost"
