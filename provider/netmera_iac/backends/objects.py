"""Stores in object storage (S3 and S3-compatible servers, Google Cloud Storage, Azure Blob), through
obstore, configured from the same URL and credentials the Pulumi CLI uses for the backend.

Pulumi reads these URLs with gocloud.dev, so their query parameters are gocloud's and Pulumi's own
(`endpoint`, `region`, `profile`, `use_path_style` or the older `s3ForcePathStyle`, `disable_https`
or `disableSSL`, ...); an unknown parameter is an error, as it is for Pulumi. AWS credentials come
from boto3's chain (environment, profiles and SSO, web identity, container and instance roles), the
one the Pulumi CLI's AWS SDK follows; Google's from GOOGLE_APPLICATION_CREDENTIALS or the
application-default login; Azure's from AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or
AZURE_STORAGE_SAS_TOKEN, or the Azure CLI's login.

An object put is whole-or-nothing and durable when it returns, which is what the journal needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

import obstore
from obstore.exceptions import BaseError, NotFoundError
from obstore.store import AzureStore, GCSStore, S3Store

from ..engine.errors import BackendError
from .url import BackendUrl, first_line

if TYPE_CHECKING:
    from obstore.store import AzureConfig, ClientConfig, GCSConfig, GCSCredential, RetryConfig, S3Config

# Fail within seconds when the store is down: a journal that cannot be written must stop an update
# before its first request, not hold it for obstore's default three minutes of retries.
RETRY: RetryConfig = {"max_retries": 3, "retry_timeout": timedelta(seconds=20)}


def _client(allow_http: bool) -> ClientConfig:
    return {"connect_timeout": "5s", "timeout": "30s", "allow_http": allow_http}


S3_PARAMS = {
    "region", "endpoint", "profile", "use_path_style", "s3ForcePathStyle", "disable_https", "disableSSL",
    "anonymous", "ssetype", "kmskeyid", "awssdk", "hostname_immutable", "dualstack", "fips",
    "rate_limiter_capacity", "request_checksum_calculation", "response_checksum_validation",
}  # fmt: skip
GS_PARAMS = {"anonymous", "access_id", "private_key_path"}
AZ_PARAMS = {"domain", "protocol", "cdn", "localemu", "storage_account"}


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def _unknown(url: BackendUrl, known: set[str]) -> None:
    extra = sorted(set(url.params) - known)
    if extra:
        raise BackendError(
            url.named, f"unknown URL parameter {extra[0]!r} (known: {', '.join(sorted(known))})"
        )


def s3_store(url: BackendUrl, env: Mapping[str, str]) -> S3Store:
    import boto3  # type: ignore[import-untyped]  # the AWS credential chain, for s3:// URLs alone
    from obstore.auth.boto3 import Boto3CredentialProvider

    _unknown(url, S3_PARAMS | {"role"})
    p = url.params
    if p.get("role"):
        raise BackendError(
            url.named,
            "`role=` in the backend URL is not supported for netmera-iac's journal: assume the role "
            "before running (a profile with role_arn in AWS_PROFILE or ?profile=, or the CI's OIDC step)",
        )
    plain_http = _flag(p.get("disable_https")) or _flag(p.get("disableSSL"))
    endpoint = p.get("endpoint") or env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint and "://" not in endpoint:  # Pulumi's rule: a bare host:port gets a scheme
        endpoint = ("http://" if plain_http else "https://") + endpoint
    config: dict[str, Any] = {"virtual_hosted_style_request": not (
        _flag(p.get("use_path_style")) or _flag(p.get("s3ForcePathStyle"))
    )}  # fmt: skip
    if endpoint:
        config["endpoint"] = endpoint
    if p.get("ssetype"):
        config["server_side_encryption"] = p["ssetype"]
    if p.get("kmskeyid"):
        config["sse_kms_key_id"] = p["kmskeyid"]
    client = _client(plain_http or bool(endpoint and endpoint.startswith("http://")))
    try:
        session = boto3.Session(profile_name=p.get("profile") or None, region_name=p.get("region") or None)
        config["region"] = p.get("region") or session.region_name or "us-east-1"
        if _flag(p.get("anonymous")):
            config["skip_signature"] = True
            return S3Store(url.host, prefix=url.path or None, config=cast("S3Config", config),
                           client_options=client, retry_config=RETRY)  # fmt: skip
        if session.get_credentials() is None:
            raise BackendError(
                url.named,
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile "
                "(AWS_PROFILE or ?profile=), or run where a role is available",
            )
        provider = Boto3CredentialProvider(session)
        return S3Store(url.host, prefix=url.path or None, config=cast("S3Config", config),
                       client_options=client, retry_config=RETRY, credential_provider=provider)  # fmt: skip
    except BackendError:
        raise
    except Exception as exc:  # boto3's profile errors, obstore's configuration errors
        raise BackendError(url.named, f"cannot open the bucket: {first_line(str(exc))}") from None


def gcs_store(url: BackendUrl, env: Mapping[str, str]) -> GCSStore:
    _unknown(url, GS_PARAMS)
    config: dict[str, Any] = {}
    if env.get("GOOGLE_APPLICATION_CREDENTIALS"):
        config["application_credentials"] = env["GOOGLE_APPLICATION_CREDENTIALS"]
    if url.params.get("private_key_path"):
        config["service_account_path"] = url.params["private_key_path"]
    emulator = env.get("STORAGE_EMULATOR_HOST")  # the variable Google's clients and gocloud honour
    if emulator:
        config["base_url"] = emulator if "://" in emulator else f"http://{emulator}"
    if _flag(url.params.get("anonymous")):
        config["skip_signature"] = True
    client = _client(str(config.get("base_url", "")).startswith("http://"))
    try:
        # An emulator takes any token; without one obstore would ask the cloud's metadata server.
        token = _emulator_token if emulator else None
        return GCSStore(url.host, prefix=url.path or None, config=cast("GCSConfig", config),
                        client_options=client, retry_config=RETRY, credential_provider=token)  # fmt: skip
    except Exception as exc:
        raise BackendError(url.named, f"cannot open the bucket: {first_line(str(exc))}") from None


def _emulator_token() -> GCSCredential:
    return {"token": "emulator", "expires_at": None}


def azure_store(url: BackendUrl, env: Mapping[str, str]) -> AzureStore:
    """`azblob://<container>/<prefix>`; the account from `?storage_account=` or AZURE_STORAGE_ACCOUNT."""
    _unknown(url, AZ_PARAMS)
    p = url.params
    account = p.get("storage_account") or env.get("AZURE_STORAGE_ACCOUNT") or ""
    config: dict[str, Any] = {"account_name": account} if account else {}
    if env.get("AZURE_STORAGE_KEY"):
        config["account_key"] = env["AZURE_STORAGE_KEY"]
    if env.get("AZURE_STORAGE_SAS_TOKEN"):
        config["sas_key"] = env["AZURE_STORAGE_SAS_TOKEN"]
    local = _flag(p.get("localemu")) or _flag(env.get("AZURE_STORAGE_IS_LOCAL_EMULATOR"))
    protocol = p.get("protocol") or env.get("AZURE_STORAGE_PROTOCOL") or ("http" if local else "https")
    domain = p.get("domain") or env.get("AZURE_STORAGE_DOMAIN")
    if domain:  # gocloud: <protocol>://<domain>/<account> for an emulator, else <account>.<domain>
        config["endpoint"] = (
            f"{protocol}://{domain}/{account}" if local else f"{protocol}://{account}.{domain}"
        )
    if not (config.get("account_key") or config.get("sas_key")):
        config["use_azure_cli"] = not local
    client = _client(protocol == "http")
    try:
        return AzureStore(url.host, prefix=url.path or None, config=cast("AzureConfig", config),
                          client_options=client, retry_config=RETRY)  # fmt: skip
    except Exception as exc:
        raise BackendError(url.named, f"cannot open the container: {first_line(str(exc))}") from None


class ObjectStore:
    """Whole values by key in a bucket or container (engine/journal.py `Store`)."""

    def __init__(self, store: S3Store | GCSStore | AzureStore, where: str) -> None:
        self._store = store
        self._where = where

    @property
    def where(self) -> str:
        return self._where

    def _failed(self, doing: str, exc: BaseException) -> BackendError:
        return BackendError(self.where, f"cannot {doing}: {_reason(exc)}")

    def get(self, key: str) -> bytes | None:
        try:
            return bytes(obstore.get(self._store, key).bytes())
        except (NotFoundError, FileNotFoundError):
            return None
        except (BaseError, OSError, RuntimeError) as exc:
            raise self._failed(f"read {key}", exc) from None

    def put(self, key: str, data: bytes) -> None:
        try:
            obstore.put(self._store, key, data)
        except (BaseError, OSError, RuntimeError) as exc:
            raise self._failed(f"write {key}", exc) from None

    def delete(self, key: str) -> None:
        try:
            obstore.delete(self._store, key)
        except (NotFoundError, FileNotFoundError):
            return
        except (BaseError, OSError, RuntimeError) as exc:
            raise self._failed(f"remove {key}", exc) from None

    def keys(self, prefix: str) -> list[str]:
        try:
            found = [str(m["path"]) for batch in obstore.list(self._store, prefix) for m in batch]
        except (NotFoundError, FileNotFoundError):
            return []
        except (BaseError, OSError, RuntimeError) as exc:
            raise self._failed(f"list {prefix}", exc) from None
        return sorted(k for k in found if k.startswith(prefix))


def _reason(exc: BaseException) -> str:
    """obstore's errors chain the request, the URL and the answer's body on one line; the reason is
    the status and the store's error code (`404 Not Found (NoSuchBucket)`), or the first line."""
    text = str(exc)
    status = re.search(r"status code: (\d{3}[^:<]*)", text)
    code = re.search(r"<Code>([^<]+)</Code>", text)
    if status:
        return status.group(1).strip() + (f" ({code.group(1)})" if code else "")
    return f"{type(exc).__name__}: {first_line(text, 160)}"


def open_bucket(url: BackendUrl, env: Mapping[str, str]) -> ObjectStore:
    if not url.host:
        raise BackendError(url.named, "the URL names no bucket or container")
    store: S3Store | GCSStore | AzureStore
    if url.scheme == "s3":
        store = s3_store(url, env)
    elif url.scheme == "gs":
        store = gcs_store(url, env)
    else:
        store = azure_store(url, env)
    return ObjectStore(store, url.named)
