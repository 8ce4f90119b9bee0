"""The Pulumi CLI as the workflow commands use it: previews as events, updates, history, old states.

We drive the real `pulumi` on PATH (tools/setup.sh provides it) rather than re-implementing any of
it. Two gaps are bridged here: `pulumi preview --json` leaves out policy violations, so previews are
read as streamed JSON events; and a self-managed backend (a folder, bucket or database) numbers every
update 0 and cannot `stack export --version`, so history versions are numbered oldest-first and old
states are read from the backend's own history checkpoints (backends/).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from ..backends import Backend, open_backend
from ..backends.url import BackendUrl
from ..engine import codec
from ..engine.errors import NetmeraIacError
from ..engine.journal import Store, current_backend


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

    def run(
        self, *args: str, extra_env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """`stdin`: a value the CLI reads there (a secret never goes into the arguments, which other
        users of the machine can list)."""
        return subprocess.run(
            self._argv(*args),
            cwd=self.cwd,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            input=stdin,
        )

    def _argv(self, *args: str) -> list[str]:
        """The command line of `pulumi <args>` on this stack, once the CLI is known to be there."""
        if shutil.which("pulumi", path=self.env.get("PATH")) is None:
            raise PulumiError('no `pulumi` on PATH: run `eval "$(tools/setup.sh)"` first')
        return ["pulumi", *args, "--stack", self.stack, "--non-interactive"]

    def preview_events(
        self, *flags: str, on_event: Callable[[dict[str, Any]], None] | None = None
    ) -> tuple[int, list[dict[str, Any]], str]:
        """`pulumi preview --json` with streamed events: (exit code, events, stderr). `on_event` hears
        each event as it arrives (a long refresh's status lines, for a progress bar)."""
        args = self._argv("preview", "--json", *flags)
        env = {**self.env, "PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "1"}
        events: list[dict[str, Any]] = []
        with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
            with subprocess.Popen(
                args, cwd=self.cwd, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
            ) as process:
                assert process.stdout is not None
                for line in process.stdout:
                    for event in _json_lines(line):
                        events.append(event)
                        if on_event is not None:
                            on_event(event)
            stderr.seek(0)
            return process.returncode, events, stderr.read()

    def history(self) -> list[Update]:
        """Updates of the stack, oldest first, numbered from 1."""
        backend = self._self_managed()
        if backend is not None:
            return [update for update, _ in self._blob_history(backend)]
        result = self.run("stack", "history", "--json", "--show-secrets=false")
        if result.returncode != 0:
            raise PulumiError(f"pulumi stack history failed: {result.stderr.strip()}")
        entries = sorted(json.loads(result.stdout or "[]"), key=lambda e: int(e.get("version", 0)))
        return [_update(int(e.get("version", 0)), e) for e in entries]

    def export(self, version: int | None = None) -> dict[str, Any]:
        """The deployment after update `version` (None: the latest)."""
        backend = self._self_managed() if version is not None else None
        if backend is not None:
            checkpoints = {update.version: key for update, key in self._blob_history(backend)}
            if version not in checkpoints:
                raise PulumiError(
                    f"stack {self.stack!r} has no version {version} (see `netmera-iac history`)"
                )
            checkpoint = _blob_json(backend.pulumi, checkpoints[version])
            return {"version": 3, "deployment": (checkpoint.get("checkpoint") or {}).get("latest") or {}}
        args = ["stack", "export"] + (["--version", str(version)] if version is not None else [])
        result = self.run(*args)
        if result.returncode != 0:
            raise PulumiError(f"pulumi stack export failed: {result.stderr.strip()}")
        return dict(json.loads(result.stdout))

    def _self_managed(self) -> Backend | None:
        """The stack's backend when it is a self-managed one (a folder, bucket or database), whose
        history the CLI numbers 0 throughout; None for a Pulumi service, whose CLI numbers it."""
        home = Path(self.env.get("PULUMI_HOME") or Path.home() / ".pulumi")
        url = current_backend(self.env, home)
        return open_backend(url, self.env) if BackendUrl.parse(url).self_managed else None

    def _blob_history(self, backend: Backend) -> list[tuple[Update, str]]:
        """Every backend keeps `<stack>-<stamp>.history.json` and `.checkpoint.json` per update
        (gzipped, `.json.gz`, with PULUMI_DIY_BACKEND_GZIP), under `.pulumi/history/<project>/<stack>/`."""
        project = str(yaml.safe_load((self.cwd / "Pulumi.yaml").read_text())["name"])
        folder = f"{backend.pulumi_prefix}.pulumi/history/{project}/{self.stack}/"
        keys = set(backend.pulumi.keys(folder))
        # Only the blobs themselves: a folder backend keeps gocloud's `.attrs` beside each.
        histories = sorted(
            (k for k in keys if k.endswith((".history.json", ".history.json.gz"))),
            key=lambda k: _stamp(k.rsplit("/", 1)[-1]),
        )
        found = []
        for index, key in enumerate(histories, start=1):
            checkpoint = key.replace(".history.json", ".checkpoint.json")
            found.append((_update(index, _blob_json(backend.pulumi, key)), checkpoint))
        return found


def _blob_json(store: Store, key: str) -> dict[str, Any]:
    data = store.get(key)
    if data is None:
        raise PulumiError(f"the stack's backend {store.where} has no {key}")
    if key.endswith(".gz"):
        data = gzip.decompress(data)
    return dict(json.loads(data))


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


def last_line(text: str) -> str | None:
    """What a CLI said last on stderr (its error), without the blank lines after it."""
    said = [line.strip() for line in text.splitlines() if line.strip()]
    return said[-1] if said else None


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
    """Outputs of every resource whose type ends with `type_suffix`, by resource name, each collection
    kept by reference to the inputs read from them."""
    found = {}
    for resource in (deployment.get("deployment") or {}).get("resources") or []:
        if str(resource.get("type", "")).endswith(type_suffix):
            outputs = codec.resolved(resource.get("outputs") or {}, resource.get("inputs") or {})
            found[str(resource["urn"]).split("::")[-1]] = outputs
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
