"""Netmera's error body."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ErrorBody(BaseModel):
    """`{"code": <int>, "error": "<text>"}`, the body of every JSON error Netmera returns."""

    model_config = ConfigDict(extra="ignore")

    code: int
    error: str
