"""The Pulumi CLI as the workflow commands use it: previews as events, updates, history, old states.

We drive the real `pulumi` on PATH (tools/setup.sh provides it) rather than re-implementing any of
it. Two gaps are bridged here: `pulumi preview --json` leaves out policy violations, so previews are
read as streamed JSON events; and a self-managed (file) backend numbers every update 0 and cannot
`stack export --version`, so history versions are numbered oldest-first and old states are read from
the backend's own history checkpoints.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

from ..engine.errors import NetmeraIacError


class PulumiError(NetmeraIacError):
    """The Pulumi CLI is missing, or failed in a way the command cannot report more precisely."""


@dataclass(frozen=True)
class Update:
    version: int  # 1 = oldest; the backend's own number where it keeps one
    kind: str
    result: str
    start_time: str
    message: str
    changes: Mapping[str, int]


@dataclass
class PulumiCli:
    stack: str
    cwd: Path
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def run(self, *args: str, extra_env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        if shutil.which("pulumi", path=self.env.get("PATH")) is None:
            raise PulumiError('no `pulumi` on PATH: run `eval "$(tools/setup.sh)"` first')
        return subprocess.run(
            ["pulumi", *args, "--stack", self.stack, "--non-interactive"],
            cwd=self.cwd,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
        )

    def preview_events(self, *flags: str) -> tuple[int, list[dict[str, Any]], str]:
        """`pulumi preview --json` with streamed events: (exit code, events, stderr)."""
        result = self.run(
            "preview", "--json", *flags, extra_env={"PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "1"}
        )
        return result.returncode, list(_json_lines(result.stdout)), result.stderr

    def history(self) -> list[Update]:
        """Updates of the stack, oldest first, numbered from 1."""
        if self._file_backend():
            return [update for update, _ in self._file_history()]
        result = self.run("stack", "history", "--json", "--show-secrets=false")
        if result.returncode != 0:
            raise PulumiError(f"pulumi stack history failed: {result.stderr.strip()}")
        entries = sorted(json.loads(result.stdout or "[]"), key=lambda e: int(e.get("version", 0)))
        return [_update(int(e.get("version", 0)), e) for e in entries]

    def export(self, version: int | None = None) -> dict[str, Any]:
        """The deployment after update `version` (None: the latest)."""
        if version is not None and self._file_backend():
            checkpoints = dict((u.version, path) for u, path in self._file_history())
            if version not in checkpoints:
                raise PulumiError(
                    f"stack {self.stack!r} has no version {version} (see `netmera-iac history`)"
                )
            checkpoint = json.loads(checkpoints[version].read_text())
            return {"version": 3, "deployment": (checkpoint.get("checkpoint") or {}).get("latest") or {}}
        args = ["stack", "export"] + (["--version", str(version)] if version is not None else [])
        result = self.run(*args)
        if result.returncode != 0:
            raise PulumiError(f"pulumi stack export failed: {result.stderr.strip()}")
        return dict(json.loads(result.stdout))

    def _file_backend(self) -> bool:
        return self.env.get("PULUMI_BACKEND_URL", "").startswith("file://")

    def _file_history(self) -> list[tuple[Update, Path]]:
        """A file backend keeps `<stack>-<stamp>.history.json` and `.checkpoint.json` per update."""
        project = str(yaml.safe_load((self.cwd / "Pulumi.yaml").read_text())["name"])
        root = Path(unquote(urlparse(self.env["PULUMI_BACKEND_URL"]).path))
        folder = root / ".pulumi" / "history" / project / self.stack
        files = sorted(folder.glob(f"{self.stack}-*.history.json"), key=lambda p: _stamp(p.name))
        return [
            (
                _update(index, json.loads(path.read_text())),
                path.with_name(path.name.replace(".history.", ".checkpoint.")),
            )
            for index, path in enumerate(files, start=1)
        ]


def _update(version: int, entry: Mapping[str, Any]) -> Update:
    return Update(
        version=version,
        kind=str(entry.get("kind", "")),
        result=str(entry.get("result", "")),
        start_time=_time(entry.get("startTime")),
        message=str(entry.get("message", "")),
        changes=dict(entry.get("resourceChanges") or {}),
    )


def _time(value: Any) -> str:
    """History files keep Unix seconds; the CLI's JSON an ISO string."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value or "")


def _stamp(name: str) -> int:
    """`demo-1795930050543396306.checkpoint.json` -> 1795930050543396306."""
    try:
        return int(name.split(".")[0].rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return 0


def _json_lines(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def stack_outputs(deployment: Mapping[str, Any]) -> dict[str, Any]:
    for resource in (deployment.get("deployment") or {}).get("resources") or []:
        if resource.get("type") == "pulumi:pulumi:Stack":
            return dict(resource.get("outputs") or {})
    return {}


def resource_outputs(deployment: Mapping[str, Any], type_suffix: str) -> dict[str, dict[str, Any]]:
    """Outputs of every resource whose type ends with `type_suffix`, by resource name."""
    found = {}
    for resource in (deployment.get("deployment") or {}).get("resources") or []:
        if str(resource.get("type", "")).endswith(type_suffix):
            found[str(resource["urn"]).split("::")[-1]] = dict(resource.get("outputs") or {})
    return found


def flags(**options: str | bool | Sequence[str] | None) -> list[str]:
    """`--name value` / `--name` for each option that is set (underscores become dashes)."""
    args: list[str] = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, str):
            args += [flag, value]
        elif isinstance(value, (list, tuple)):
            for item in value:
                args += [flag, str(item)]
    return args
