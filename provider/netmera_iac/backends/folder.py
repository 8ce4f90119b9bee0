"""A store in a folder: a `file://` backend, or a runner's own home folder.

Each value is written to a temporary name, flushed to disk and renamed over the key, and the folder is
flushed too (POSIX), so a kill or power loss leaves the old value or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..engine.errors import BackendError

TEMPORARY = ".tmp"


class FolderStore:
    def __init__(self, root: Path, where: str | None = None) -> None:
        self.root = root
        self._where = where or str(root)

    @property
    def where(self) -> str:
        return self._where

    def _path(self, key: str) -> Path:
        path = self.root / key
        if ".." in Path(key).parts:
            raise BackendError(self.where, f"the key {key!r} leaves the store")
        return path

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BackendError(self.where, f"cannot read {key}: {exc.strerror or exc}") from None

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        temporary = path.with_name(f"{path.name}.{os.getpid()}{TEMPORARY}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with temporary.open("wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise BackendError(self.where, f"cannot write {key}: {exc.strerror or exc}") from None
        _sync_folder(path.parent)

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise BackendError(self.where, f"cannot remove {key}: {exc.strerror or exc}") from None
        _sync_folder(path.parent)

    def keys(self, prefix: str) -> list[str]:
        folder = self._path(prefix) if prefix.endswith("/") else self._path(prefix).parent
        try:
            if not folder.is_dir():
                return []
            found = (p.relative_to(self.root).as_posix() for p in folder.rglob("*") if p.is_file())
            return sorted(k for k in found if k.startswith(prefix) and not k.endswith(TEMPORARY))
        except OSError as exc:
            raise BackendError(self.where, f"cannot list {prefix}: {exc.strerror or exc}") from None


def _sync_folder(folder: Path) -> None:
    """A rename or unlink is durable once the folder itself is flushed (POSIX)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
