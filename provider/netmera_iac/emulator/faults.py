"""Fault injection and the request log, as one ASGI middleware in front of `/rest/3.0`.

Faults are set through `/_emulator/faults` per operation (or `*`): either an exact sequence of outcomes
for successive calls, or one fault with a probability drawn from a seeded generator, so that a failing
test can be replayed. Kinds: `latency` (then answer normally), `status` (e.g. 429 with Retry-After,
503), `drop` (the connection closes mid-response, before or after the write is applied) and `hang`
(no answer for `hangSeconds`).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..models import BASE_PATH


class FaultSpec(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    kind: Literal["latency", "status", "drop", "hang"]
    status: int = 503
    code: int | None = None
    retry_after: float | None = None
    latency_ms: int = 0
    after_apply: bool = Field(default=False, description="drop: apply the write, then lose the answer")
    hang_seconds: float = 30.0


class FaultRule(BaseModel):
    """Either `sequence` (one outcome per call, `null` = answer normally) or `fault` + `probability`."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    operation: str = "*"
    sequence: list[FaultSpec | None] | None = None
    fault: FaultSpec | None = None
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    seed: int | None = None

    @model_validator(mode="after")
    def _one_mode(self) -> FaultRule:
        if (self.sequence is None) == (self.fault is None):
            raise ValueError("give exactly one of `sequence` or `fault`")
        return self


@dataclass
class _ActiveRule:
    rule: FaultRule
    rng: random.Random
    position: int = 0

    def next_fault(self) -> FaultSpec | None:
        if self.rule.sequence is not None:
            if self.position >= len(self.rule.sequence):
                return None
            self.position += 1
            return self.rule.sequence[self.position - 1]
        return self.rule.fault if self.rng.random() < self.rule.probability else None


@dataclass
class RequestRecord:
    seq: int
    operation: str
    method: str
    status: int
    ids: int | None
    fault: str | None
    duration_ms: float
    received_at: float  # wall-clock time the request arrived (tests compare it with a kill's time)


@dataclass
class Faults:
    """The active fault rules and the request log (kept in memory: they are test instruments)."""

    rules: list[_ActiveRule] = field(default_factory=list)
    log: list[RequestRecord] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, rule: FaultRule) -> None:
        with self.lock:
            self.rules.append(_ActiveRule(rule, random.Random(rule.seed)))

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()

    def pick(self, operation: str) -> FaultSpec | None:
        with self.lock:
            for active in self.rules:
                if active.rule.operation in ("*", operation):
                    fault = active.next_fault()
                    if fault is not None:
                        return fault
        return None

    def record(self, **fields: Any) -> None:
        with self.lock:
            self.log.append(RequestRecord(seq=len(self.log) + 1, **fields))

    def counts(self) -> dict[str, int]:
        with self.lock:
            return dict(Counter(r.operation for r in self.log))


class DroppedConnection(Exception):
    """Raised after the response has started, so the server closes the connection mid-answer."""


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(BASE_PATH + "/"):
            await self.app(scope, receive, send)
            return
        operation = path[len(BASE_PATH) + 1 :]
        started, received_at = time.perf_counter(), time.time()
        status_holder = {"status": 0}
        fault = self.faults.pick(operation)

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        def record() -> None:
            state = scope.get("state") or {}
            self.faults.record(
                operation=operation,
                method=scope.get("method", ""),
                status=status_holder["status"],
                ids=state.get("ids"),
                fault=fault.kind if fault else None,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                received_at=received_at,
            )

        try:
            if fault is None or fault.kind == "latency":
                if fault is not None:
                    await asyncio.sleep(fault.latency_ms / 1000)
                await self.app(scope, receive, tracking_send)
            elif fault.kind == "hang":
                await asyncio.sleep(fault.hang_seconds)
                await self.app(scope, receive, tracking_send)
            elif fault.kind == "status":
                await self._answer_status(fault, tracking_send)
            else:
                await self._drop(fault, scope, receive, send, status_holder)
        finally:
            record()

    @staticmethod
    async def _answer_status(fault: FaultSpec, send: Send) -> None:
        code = fault.code if fault.code is not None else (2001 if fault.status >= 500 else 4000)
        body = json.dumps({"code": code, "error": f"injected fault: HTTP {fault.status}"}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if fault.retry_after is not None:
            headers.append((b"retry-after", f"{fault.retry_after:g}".encode()))
        await send({"type": "http.response.start", "status": fault.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _drop(
        self, fault: FaultSpec, scope: Scope, receive: Receive, send: Send, status: dict[str, int]
    ) -> None:
        if fault.after_apply:

            async def swallow(message: Message) -> None:
                return None

            await self.app(scope, receive, swallow)
        status["status"] = -1
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        raise DroppedConnection(f"injected drop for {scope.get('path')}")
