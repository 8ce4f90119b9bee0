"""The desired state of an update, recorded in the stack itself so a rollback needs no old git commit.

The program exports the stack folder's desired-state files as the `desiredState` stack output; every
checkpoint of the stack's history therefore carries the files it was applied from, and
`pulumi stack export --version N` gives them back. Files are compressed (a 100,000-member tag list is
~1.5 MB of YAML and ~0.3 MB compressed) and carry a digest so previews show one short changed value.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FORMAT = 1
# Every file the loader reads from a stack folder (engine/desired.py).
DESIRED_STATE_FILES = (
    "tags.yaml",
    "categories.yaml",
    "profiles.yaml",
    "consent.yaml",
    "contacts.yaml",
    "erasure.yaml",
    "push-approvals.yaml",
)


class RecordError(Exception):
    """A recorded desired state cannot be read (missing, unknown format, or corrupted)."""


def digest(files: Mapping[str, str]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    return h.hexdigest()[:16]


def record_desired_state(state_dir: Path) -> dict[str, Any]:
    files = {
        name: (state_dir / name).read_text(encoding="utf-8")
        for name in DESIRED_STATE_FILES
        if (state_dir / name).is_file()
    }
    packed = {name: base64.b64encode(zlib.compress(text.encode())).decode() for name, text in files.items()}
    return {"format": FORMAT, "digest": digest(files), "files": packed}


def restore_desired_state(recorded: Any) -> dict[str, str]:
    """The files of a recorded desired state, checked against its digest."""
    if not isinstance(recorded, Mapping) or recorded.get("format") != FORMAT:
        raise RecordError("no desired state recorded in this version (or an unknown format)")
    try:
        files = {
            name: zlib.decompress(base64.b64decode(blob)).decode()
            for name, blob in dict(recorded["files"]).items()
        }
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        raise RecordError(f"the recorded desired state is unreadable: {exc}") from None
    unknown = sorted(set(files) - set(DESIRED_STATE_FILES))
    if unknown or digest(files) != recorded.get("digest"):
        raise RecordError("the recorded desired state does not match its digest")
    return files


def write_desired_state(state_dir: Path, files: Mapping[str, str]) -> list[str]:
    """Make `state_dir` hold exactly `files` among the desired-state files; returns what changed."""
    state_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for name in DESIRED_STATE_FILES:
        path = state_dir / name
        if name in files:
            if not path.is_file() or path.read_text(encoding="utf-8") != files[name]:
                path.write_text(files[name], encoding="utf-8")
                changed.append(name)
        elif path.exists():
            path.unlink()
            changed.append(name)
    return changed
