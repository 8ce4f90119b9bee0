"""Backend URLs as Pulumi reads them, and how they are shown: never with a password.

A PostgreSQL backend URL may carry a password (`postgres://user:secret@host/db`), and any URL may
carry a token in its query; messages, logs and state name a backend only through `shown`.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from ..engine.redact import shown_url

# Pulumi's self-managed ("DIY") backends, all of which keep blobs netmera-iac can reach too.
DIY_SCHEMES = ("file", "s3", "gs", "azblob", "postgres", "postgresql")


@dataclass(frozen=True)
class BackendUrl:
    raw: str
    scheme: str
    host: str  # the bucket, container or database host
    path: str  # without leading or trailing '/': a key prefix (object stores) or the database
    params: dict[str, str]

    @classmethod
    def parse(cls, raw: str) -> BackendUrl:
        parts = urlsplit(raw.strip())
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        return cls(
            raw.strip(), parts.scheme.lower(), parts.hostname or "", unquote(parts.path).strip("/"), params
        )

    @property
    def shown(self) -> str:
        return shown(self.raw)

    @property
    def named(self) -> str:
        """The backend in a message: scheme, host and path (no user, no parameters)."""
        parts = urlsplit(self.raw)
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit((parts.scheme, host, parts.path, "", "")) or "Pulumi Cloud (no backend URL)"

    @property
    def self_managed(self) -> bool:
        return self.scheme in DIY_SCHEMES


shown = shown_url  # one rule for every URL that may carry a secret (engine/redact.py)


def first_line(text: str, limit: int = 240) -> str:
    """Storage libraries answer with multi-line chains; a message needs their first line."""
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
