"""Every curl example of the seed API page, replayed against the emulator.

Only the host and key are replaced, the page's obvious placeholders are filled in with users of the
demo fixture, and the JavaScript-style comments inside the email/SMS examples are removed.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from netmera_iac.models import ENDPOINTS
from tests.conftest import Emulator

# A verbatim snapshot of the team's read-only shared/seed/netmera-user-device-api.md, kept beside the
# test so the suite runs on a clone alone (CI's machine may have no shared/ folder next to it).
SEED = Path(__file__).parent / "seed" / "netmera-user-device-api.md"

# Placeholders of the page -> values that exist in the demo fixture.
PLACEHOLDERS = {
    '"externalid"': '"user-0050"',
    "id_in_my_system_1": "cust-ayse",
    "id_in_my_system_2": "cust-mehmet",
    "extId=id_in_my_system": "extId=cust-ayse",
    "my_device_token": "tok-ayse-pixel",
    "your_xid_id": "cust-ayse",
    "your-extId": "cust-ayse",
    '"your ex id"': '"cust-mehmet"',
    '"your your email"': '"mehmet.new@example.com"',
    '"your your msidin"': '"+905550009999"',
    '"your-email"': '"ayse@example.com"',
    '"your-msisdn"': '"+905551234567"',
    "getSegmentUsers?id=": "getSegmentUsers?id=5883",
    '"messageId": 0': '"messageId": 9001',
}


@dataclass
class CurlExample:
    text: str
    url: str = ""
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    query: list[tuple[str, str]] = field(default_factory=list)

    @property
    def operation(self) -> str:
        return urlsplit(self.url).path.removeprefix("/rest/3.0/")


def seed_examples() -> list[CurlExample]:
    text = SEED.read_text(encoding="utf-8")
    examples = []
    paragraphs = re.findall(r"^curl .*?(?=\n\s*\n|\Z)", text, flags=re.S | re.M)
    # Some examples follow each other without a blank line (enablePush, disablePush).
    blocks = [b for p in paragraphs for b in re.split(r"\n(?=curl )", p)]
    for block in blocks:
        for name, value in PLACEHOLDERS.items():
            block = block.replace(name, value)
        tokens = shlex.split(block.replace("\\\n", " "))
        example = CurlExample(text=block)
        get = False
        data: list[str] = []
        i = 1
        while i < len(tokens):
            token = tokens[i]
            if token == "--location":
                pass
            elif token == "--header":
                name, _, value = tokens[i + 1].partition(":")
                example.headers[name.strip()] = value.strip()
                i += 1
            elif token in ("--data", "--data-raw"):
                data.append(tokens[i + 1])
                i += 1
            elif token == "--data-urlencode":
                key, _, value = tokens[i + 1].partition("=")
                example.query.append((key, value))
                i += 1
            elif token == "--get":
                get = True
            elif token.startswith("https://"):
                example.url = token
            i += 1
        if data:
            example.method = "POST"
            # Remove the page's // and /* */ annotations inside the JSON examples.
            body = re.sub(r"/\*.*?\*/", "", data[0], flags=re.S)
            example.body = re.sub(r"^\s*//.*$", "", body, flags=re.M)
        example.method = "GET" if get or not data else "POST"
        examples.append(example)
    return examples


EXAMPLES = seed_examples()


def test_the_page_has_an_example_for_each_of_its_24_operations() -> None:
    assert len(EXAMPLES) >= 24
    assert {e.operation.partition("?")[0] for e in EXAMPLES} == {op.path for op in ENDPOINTS if op.in_seed}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.operation)
def test_seed_example_succeeds(emulator: Emulator, example: CurlExample) -> None:
    parts = urlsplit(example.url)
    url = f"{emulator.root_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    headers = {k: v for k, v in example.headers.items() if k.lower() != "x-netmera-api-key"}
    assert any(k.lower() == "x-netmera-api-key" for k in example.headers), "every example sends the key"
    headers["X-netmera-api-key"] = "demo-netmera-api-key"
    if example.body is not None:
        json.loads(example.body)  # after placeholder filling, the body is valid JSON
    response = httpx.request(
        example.method, url, headers=headers, content=example.body, params=example.query or None
    )
    assert response.status_code == 200, (example.text, response.text)
