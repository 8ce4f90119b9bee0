"""Client settings: explicit arguments, else `NETMERA_*` environment variables, else defaults."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..models import DEFAULT_BASE_URL, PLATFORMS
from .errors import ConfigurationError


class ClientSettings(BaseSettings):
    """Defaults follow shared/reference/perf-reliability.md (go-retryablehttp, AWS guidance).

    Netmera documents no rate limit, so the request rate is capped client-side and can be lowered.
    """

    model_config = SettingsConfigDict(env_prefix="NETMERA_", extra="ignore")

    api_key: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    os: Literal["IOS", "ANDROID"] = Field(default="IOS", description="X-netmera-os of the segment reads")
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1, description="attempts per request, the first included")
    retry_deadline: float = Field(default=120.0, gt=0, description="seconds one request may spend retrying")
    retry_initial_wait: float = Field(default=0.5, ge=0)
    retry_max_wait: float = Field(default=30.0, ge=0)
    retry_jitter: float = Field(default=1.0, ge=0)
    retry_after_cap: float = Field(default=60.0, ge=0, description="longest Retry-After honoured, seconds")
    max_concurrency: int = Field(default=4, ge=1, description="requests in flight at once, per client")
    max_requests_per_second: float = Field(default=20.0, gt=0, description="shared by every call of a client")


@dataclass(frozen=True)
class Connection:
    """Which Netmera to talk to, and with which key."""

    api_key: str | None
    base_url: str
    os: Literal["IOS", "ANDROID"] = "IOS"


def resolve_connection(
    stack_config: Callable[[str], str | None], env: Mapping[str, str] | None = None
) -> Connection:
    """The one rule, for the providers, the program's reads and the command line: the stack config
    (`netmera:apiKey`, a secret, `netmera:baseUrl` and `netmera:os`), else NETMERA_API_KEY /
    NETMERA_BASE_URL / NETMERA_OS, else (for the URL) Netmera's own and (for the platform the segment
    reads name) IOS. `stack_config` answers full keys such as `netmera:apiKey`."""
    env = os.environ if env is None else env
    platform = stack_config("netmera:os") or env.get("NETMERA_OS") or "IOS"
    if platform.upper() not in PLATFORMS:
        raise ConfigurationError(
            f"stack config netmera:os (or NETMERA_OS): must be one of {', '.join(PLATFORMS)}, the platform "
            f"getSegments and getSegmentUsers are asked for (value: {platform!r})"
        )
    base_url = stack_config("netmera:baseUrl") or env.get("NETMERA_BASE_URL") or DEFAULT_BASE_URL
    insecure = (stack_config("netmera-iac:allowInsecureHttp") or "").lower() == "true"
    problem = base_url_problem(base_url, allow_insecure_http=insecure)
    if problem:
        raise ConfigurationError(f"stack config netmera:baseUrl (or NETMERA_BASE_URL): {problem}")
    return Connection(
        api_key=stack_config("netmera:apiKey") or env.get("NETMERA_API_KEY") or None,
        base_url=base_url,
        os="ANDROID" if platform.upper() == "ANDROID" else "IOS",
    )


def base_url_problem(base_url: str, allow_insecure_http: bool = False) -> str | None:
    """Credentials in the URL would be stored in clear in the stack file and the state (the default
    provider's inputs); plain http would carry the API key readable to every hop. Loopback (the
    emulator) is the one place http is fine without saying so."""
    try:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
    except ValueError:
        return "not a URL (value: hidden)"
    if parts.username is not None or parts.password is not None:
        return (
            "holds credentials (user or password before the host): the API key belongs in "
            "`pulumi config set --secret netmera:apiKey`, a proxy's login in HTTPS_PROXY; "
            f"give the URL without them (host: {host})"
        )
    if parts.scheme == "http" and not _loopback(host) and not allow_insecure_http:
        return (
            f"plain http to {host}, which is not this machine: the API key would travel unencrypted; "
            "use https, or set `pulumi config set netmera-iac:allowInsecureHttp true` on purpose"
        )
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
