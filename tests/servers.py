"""Real servers on loopback that the tests start themselves: an S3-compatible server (moto's
standalone server, a real HTTP implementation of S3), Azure Blob's emulator (Azurite, the npm package
tools/test-servers.sh installs) and a throw-away PostgreSQL cluster (Debian's `postgresql` package; it
refuses to run as root, so as root the cluster belongs to `postgres`).

Each is a context manager that picks a free port, waits until the server answers, and stops it (and
removes its files) on exit. Nothing here is patched in-process.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

S3_KEY, S3_SECRET = "netmera-iac-test", "netmera-iac-test-secret"
# Azurite's documented development account (public, emulator only).
AZ_ACCOUNT = "devstoreaccount1"
AZ_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
REPO = Path(__file__).resolve().parents[1]
PG_USER, PG_PASSWORD = "pulumi", "pg-test-secret-7f3a"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check: object, what: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(Exception):
            if check():  # type: ignore[operator]
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer within {seconds:.0f} s")


@dataclass
class S3Server:
    endpoint: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]

    @property
    def host(self) -> str:
        return self.endpoint.removeprefix("http://")

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET, "AWS_REGION": "us-east-1"}

    def url(self, bucket: str, path: str = "") -> str:
        """The backend URL in the form Pulumi documents for S3-compatible servers."""
        where = f"{bucket}/{path}" if path else bucket
        return f"s3://{where}?endpoint={self.host}&disableSSL=true&s3ForcePathStyle=true&region=us-east-1"

    def client(self):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=S3_KEY, aws_secret_access_key=S3_SECRET)  # fmt: skip

    def bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        _stop(self.process)


def _stop(process: subprocess.Popen[bytes], grace: float = 5) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def s3_server() -> Iterator[S3Server]:
    port = free_port()
    moto = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = S3Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait(
            lambda: httpx.get(f"{server.endpoint}/moto-api/", timeout=1).status_code < 500,
            "moto_server",
            process,
        )
        yield server
    finally:
        server.stop()


@dataclass
class AzureServer:
    port: int
    process: subprocess.Popen[bytes]
    folder: Path

    def env(self) -> dict[str, str]:
        return {"AZURE_STORAGE_ACCOUNT": AZ_ACCOUNT, "AZURE_STORAGE_KEY": AZ_KEY}

    def url(self, container: str, path: str = "") -> str:
        where = f"{container}/{path}" if path else container
        return f"azblob://{where}?localemu=true&domain=127.0.0.1:{self.port}&protocol=http"

    def _service(self):  # type: ignore[no-untyped-def]
        from azure.storage.blob import BlobServiceClient

        endpoint = f"http://127.0.0.1:{self.port}/{AZ_ACCOUNT}"
        conn = f"DefaultEndpointsProtocol=http;AccountName={AZ_ACCOUNT};AccountKey={AZ_KEY};"
        conn += f"BlobEndpoint={endpoint};"
        return BlobServiceClient.from_connection_string(conn)

    def container(self, name: str) -> str:
        with self._service() as service:
            service.create_container(name)
        return name

    def blobs(self, container: str, prefix: str) -> list[str]:
        with self._service() as service:
            return sorted(b.name for b in service.get_container_client(container).list_blobs(prefix))


@contextlib.contextmanager
def azure_server() -> Iterator[AzureServer]:
    azurite = REPO / ".tools" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
    if not azurite.exists():
        raise RuntimeError(f"no Azurite at {azurite}: run tools/test-servers.sh (tools/test.sh does)")
    folder = Path(tempfile.mkdtemp(prefix="netmera-iac-azurite-"))
    port = free_port()
    process = subprocess.Popen(
        [str(azurite), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(folder),
         "--silent", "--skipApiVersionCheck"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = AzureServer(port, process, folder)
    try:
        _wait(lambda: httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code > 0, "azurite", process)
        yield server
    finally:
        _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or (
        [p] if (p := shutil.which(name)) else []
    )
    if not found:
        raise RuntimeError(
            f"no PostgreSQL `{name}`: install Debian's postgresql package (tools/test.sh does: "
            "tools/setup-test-servers.sh)"
        )
    return found[-1]


@dataclass
class PostgresServer:
    port: int
    folder: Path
    process: subprocess.Popen[bytes]
    as_user: list[str]

    def url(self, database: str, *, password: bool = True, params: str = "sslmode=disable") -> str:
        """A backend URL for the test role (with its password, or without: then PGPASSWORD)."""
        user = f"{PG_USER}:{PG_PASSWORD}" if password else PG_USER
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}?{params}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [*self.as_user, _pg_bin("psql"), "-h", str(self.folder), "-p", str(self.port), "-U", "postgres",
             "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def copy_in(self, table: str, csv: Path, database: str) -> None:
        """Load a CSV file (no header) into `table` with COPY, as a bulk export would."""
        with csv.open("rb") as rows:
            subprocess.run(
                [*self.as_user, _pg_bin("psql"), "-h", str(self.folder), "-p", str(self.port),
                 "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1",
                 "-c", f"copy {table} from stdin (format csv)"],
                stdin=rows, capture_output=True, check=True,
            )  # fmt: skip

    def database(self, name: str) -> str:
        self.psql(f'create database "{name}" owner {PG_USER}')
        return name

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # smart shutdown: waits for clients
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.send_signal(2)  # fast shutdown
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A cluster in a temp folder: the superuser `postgres` by socket only, the role `pulumi` (password,
    scram) over TCP on loopback, as a team's shared backend would be."""
    root = os.geteuid() == 0
    as_user = ["runuser", "-u", "postgres", "--"] if root else []
    folder = Path(tempfile.mkdtemp(prefix="netmera-iac-pg-"))
    if root:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data = folder / "data"
    subprocess.run(
        [*as_user, _pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust",
         "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [*as_user, _pg_bin("postgres"), "-D", str(data), "-p", str(port), "-k", str(folder),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=200"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = PostgresServer(port, folder, process, as_user)
    try:
        _wait(lambda: server.psql("select 1") == "1", "postgres", process)
        server.psql(f"create role {PG_USER} login password '{PG_PASSWORD}'")
        yield server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
