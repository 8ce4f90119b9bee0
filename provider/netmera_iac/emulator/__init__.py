"""A local emulator of Netmera's user & device REST API, persisting to SQLite (like moto or LocalStack)."""

from .app import create_app
from .storage import Store

__all__ = ["Store", "create_app"]
