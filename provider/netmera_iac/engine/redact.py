"""How a URL that may carry a secret is shown, and how a driver's message loses any secret it repeats.

Backend URLs (`postgres://user:secret@host/db`) and query sources (sources.yaml, whose passwords come
from secret config) are both named in messages, logs and plans; each goes through `shown_url`, and a
third-party message that might echo a password goes through `scrub`. One rule, kept here for both.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

SECRET_PARAMS = ("password", "secret", "token", "key", "sig", "credential")
HIDDEN = "****"


def shown_url(raw: str) -> str:
    """`raw` with any password in its user part and any secret-looking query value replaced by ****."""
    try:
        parts = urlsplit(raw.strip())
    except ValueError:
        return "<an unreadable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        name = user.split(":", 1)[0]
        netloc = f"{name}:{HIDDEN}@{host}" if ":" in user else f"{name}@{host}"
    query = "&".join(
        f"{k}={HIDDEN if any(s in k.lower() for s in SECRET_PARAMS) else v}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by ****, as written and in the forms a driver may quote it in
    (percent-encoded in a URL, quotes escaped in a message)."""
    for secret in secrets:
        if not secret:
            continue
        for form in {secret, quote(secret, safe=""), quote(secret), secret.replace("'", "''"), repr(secret)}:
            text = text.replace(form, HIDDEN)
    return text
