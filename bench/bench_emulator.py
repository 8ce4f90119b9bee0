"""Emulator throughput for the two heaviest writes, so later benchmarks can show it is not their bottleneck.

Measures, in one run and side by side: requests per second for `tagUsers` with 1000 ids and for
`setProfileAttributes` with 1000 entries, against `getSegments` (a trivial read) as the baseline of
HTTP + routing cost on this machine. Reports ratios to the baseline as well as absolute rates.

    .venv/bin/python -m bench.bench_emulator [--requests 50]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

from netmera_iac.emulator.server import ServedEmulator

USERS = 10_000


def fixture(tmp: Path) -> str:
    path = tmp / "bench.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "apps": [
                    {
                        "id": "bench",
                        "name": "bench",
                        "api_keys": ["bench-key"],
                        "profile_attributes": [
                            {"code": "tier", "data_type": "STRING"},
                            {"code": "score", "data_type": "INTEGER"},
                        ],
                        "generated_users": {"count": USERS, "prefix": "u"},
                    }
                ]
            }
        )
    )
    return str(path)


def rate(n: int, send: Callable[[int], httpx.Response]) -> float:
    start = time.perf_counter()
    for i in range(n):
        send(i).raise_for_status()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        ServedEmulator(db=Path(tmp) / "bench.db", fixture=fixture(Path(tmp))) as served,
    ):
        client = httpx.Client(base_url=served.base_url, headers={"X-netmera-api-key": "bench-key"})
        ids = [[f"u{(i * 1000 + j) % USERS + 1:06d}" for j in range(1000)] for i in range(10)]
        results = {
            "getSegments": rate(args.requests, lambda i: client.get("/getSegments")),
            "tagUsers_1000": rate(
                args.requests,
                lambda i: client.post("/tagUsers", json={"tag": f"t{i % 3}", "extIds": ids[i % 10]}),
            ),
            "setProfileAttributes_1000": rate(
                args.requests,
                lambda i: client.post(
                    "/setProfileAttributes",
                    json=[{"extId": e, "profile": {"tier": f"t{i}", "score": i}} for e in ids[i % 10]],
                ),
            ),
        }
    base = results["getSegments"]
    report = {
        name: {"requests_per_s": round(r, 1), "ids_per_s": round(r * (1000 if name != "getSegments" else 0)),
               "ratio_to_getSegments": round(r / base, 3)}
        for name, r in results.items()
    }  # fmt: skip
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
