"""A stack in a shared backend, end to end (issue 20): an S3 bucket on an S3-compatible server
(moto's standalone server) and a PostgreSQL database (Pulumi's PostgreSQL backend), both real servers
on loopback. Each "runner" is a fresh clone with its own HOME, PULUMI_HOME and NETMERA_IAC_HOME, as a
CI job on a machine thrown away afterwards; only the backend is shared, and with it the journal."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from pulumi import automation as auto

from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import REPO_ROOT, NetmeraStack, generated_app, netmera_iac, start_up
from tests.servers import PG_PASSWORD, AzureServer, PostgresServer, S3Server

pytestmark = pytest.mark.e2e

OWNED = [f"u{n:06d}" for n in range(1, 1_001)]
ADDED = [f"u{n:06d}" for n in range(1_001, 10_001)]
FOUND = "an interrupted update was found: TagMembership 'camp'"


@dataclass
class Shared:
    """A shared backend: its URL, the credentials a runner has for it, and a look at the journal."""

    kind: str
    url: str
    env: dict[str, str]
    s3: S3Server | None = None
    bucket: str = ""
    postgres: PostgresServer | None = None
    database: str = ""
    azure: AzureServer | None = None

    def journal_entries(self, prefix: str = ".netmera-iac/inflight/") -> list[str]:
        """The keys under `prefix` (the journal's; `.netmera-iac/consent/` for the consent record)."""
        if self.azure is not None:
            return self.azure.blobs(self.bucket, prefix)
        if self.s3 is not None:
            listed = self.s3.client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
            return [o["Key"] for o in listed.get("Contents", [])]
        assert self.postgres is not None
        exists = self.postgres.psql("select to_regclass('netmera_iac_journal') is not null", self.database)
        if exists != "t":
            return []
        query = f"select key from netmera_iac_journal where key like '{prefix}%' order by key"
        return self.postgres.psql(query, self.database).split()


@pytest.fixture(params=["s3", "postgres"])
def shared(request: pytest.FixtureRequest) -> Shared:
    return _shared(request)


@pytest.fixture(params=["s3", "postgres", "azure"])
def any_shared(request: pytest.FixtureRequest) -> Shared:
    """Every shared backend with an emulator here: Azure Blob's (Azurite) too, for the main paths."""
    return _shared(request)


def _shared(request: pytest.FixtureRequest) -> Shared:
    name = f"t{uuid.uuid4().hex[:12]}"
    if request.param == "azure":
        azure: AzureServer = request.getfixturevalue("azure")
        return Shared("azure", azure.url(azure.container(name)), azure.env(), azure=azure, bucket=name)
    if request.param == "s3":
        s3: S3Server = request.getfixturevalue("s3")
        return Shared("s3", s3.url(s3.bucket(name)), s3.env(), s3=s3, bucket=name)
    postgres: PostgresServer = request.getfixturevalue("postgres")
    database = postgres.database(name)
    return Shared("postgres", postgres.url(database), {}, postgres=postgres, database=database)


def _said(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert PG_PASSWORD not in text


@contextmanager
def camp_stack(
    tmp_path: Path, shared: Shared, users: int = 10_000
) -> Iterator[tuple[NetmeraStack, Emulator]]:
    """An emulator with `users` generated users and a stack in the shared backend whose tag `camp`
    owns the 1,000 users of OWNED, applied."""
    with (
        ServedEmulator(fixture=generated_app(tmp_path, "camp", users)) as served,
        Emulator(served) as handle,
    ):
        runner = tmp_path / "runner-1"
        runner.mkdir()
        stack = NetmeraStack.create(runner, served.base_url, DEMO_API_KEY, "s", shared.url, shared.env)
        stack.write({"memberships": {"camp": {"members": OWNED}}})
        stack.stack.up()
        yield stack, handle


def test_the_demo_stack_applies_then_previews_no_change(
    tmp_path: Path, any_shared: Shared, emulator: Emulator
) -> None:
    shared = any_shared
    stack = NetmeraStack.create(tmp_path, emulator.base_url, DEMO_API_KEY, "demo", shared.url, shared.env)
    shutil.copytree(REPO_ROOT / "stacks" / "demo", stack.state_dir, dirs_exist_ok=True)  # with data/
    up = stack.cli("up", "--yes", "--refresh")
    assert up.returncode == 0, _said(up)
    assert emulator.users_of("vip") and emulator.counts()
    runner = stack.on_new_runner(tmp_path / "runner-2")
    preview = runner.cli("preview", "--refresh", "--expect-no-changes")
    assert preview.returncode == 0, _said(preview)
    assert shared.journal_entries() == []
    # The consent record lives with the stack too, which is how the second runner's guard knew it.
    assert ".netmera-iac/consent/netmera-iac/demo/seeded.json" in shared.journal_entries(
        ".netmera-iac/consent/"
    )

    # The review workflow from a third runner: plan on the pull request, apply that plan on merge,
    # then the nightly drift check; every command reaches the stack through the shared backend.
    reviewer = stack.on_new_runner(tmp_path / "runner-3")
    tags = yaml.safe_load((reviewer.state_dir / "tags.yaml").read_text())
    tags.setdefault("assignments", {})["shared-backend"] = ["user-0007"]
    (reviewer.state_dir / "tags.yaml").write_text(yaml.safe_dump(tags))
    saved = tmp_path / "plan.json"
    plan = netmera_iac(reviewer, "plan", "--save-plan", str(saved))
    assert plan.returncode == 0 and "tag `shared-backend`" in plan.stdout, _said(plan)
    applied = netmera_iac(reviewer, "apply", "--plan", str(saved), "-m", "reviewed")
    assert applied.returncode == 0, _said(applied)
    assert "shared-backend" in emulator.tags_of("user-0007")
    drift = netmera_iac(reviewer, "drift")
    assert drift.returncode == 0 and "no drift" in drift.stdout, _said(drift)
    history = netmera_iac(reviewer, "history")
    assert history.returncode == 0 and "reviewed" in history.stdout, _said(history)
    exported = stack.cli("stack", "export").stdout
    _no_secret(*(_said(r) for r in (up, preview, plan, applied, drift, history)), exported)


def test_a_killed_update_reverted_on_a_new_runner_leaves_exactly_the_owned_users(
    tmp_path: Path, any_shared: Shared
) -> None:
    shared = any_shared
    with camp_stack(tmp_path, shared) as (stack, handle):
        stack.write({"memberships": {"camp": {"members": OWNED + ADDED}}})
        handle.control.delete("/requests")
        handle.add_fault(operation="tagUsers", fault={"kind": "latency", "latency_ms": 1500}, probability=1)
        cli = start_up(stack)
        try:
            deadline = time.monotonic() + 180
            while len(handle.requests("tagUsers")) < 4 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert len(handle.requests("tagUsers")) >= 4, "the update never started sending"
            killed_at = time.time()
            os.killpg(cli.pid, signal.SIGKILL)
            cli.wait(timeout=30)
            time.sleep(4)  # requests in flight are answered; anything sent later would arrive by now
        finally:
            if cli.poll() is None:
                cli.kill()
        handle.control.delete("/faults")
        sent = handle.requests("tagUsers")
        late = [round(r["received_at"] - killed_at, 3) for r in sent if r["received_at"] > killed_at + 0.05]
        assert late == [], f"{len(late)} tagUsers arrived after the SIGKILL: {late}"
        wrongly = set(handle.users_of("camp", app="camp")) - set(OWNED)
        assert wrongly, "the killed update tagged nobody: the test proves nothing"
        assert len(shared.journal_entries()) == 1  # in the backend, not on the runner
        assert not list((tmp_path / "runner-1" / "home").rglob("*.inflight.json"))

        # A new runner: fresh clone and homes, same backend. Pulumi's own advice, then the revert.
        runner = stack.on_new_runner(tmp_path / "runner-2")
        assert runner.cli("cancel", "--yes").returncode == 0
        runner.write({"memberships": {"camp": {"members": OWNED}}})
        handle.control.delete("/requests")
        up = runner.cli("up", "--yes")
        assert up.returncode == 0, _said(up)
        assert FOUND in _said(up), _said(up)
        assert handle.users_of("camp", app="camp") == OWNED
        assert {r["operation"] for r in writes(handle)} == {"untagUsers"}
        assert shared.journal_entries() == []
        assert runner.cli("preview", "--expect-no-changes").returncode == 0
        _no_secret(_said(up))


def test_a_part_way_failure_reverted_on_a_new_runner_leaves_exactly_the_owned_users(
    tmp_path: Path, shared: Shared
) -> None:
    with camp_stack(tmp_path, shared, users=4_000) as (stack, handle):
        added = [f"u{n:06d}" for n in range(1_001, 4_001)]
        handle.add_fault(operation="tagUsers", sequence=[None, {"kind": "status", "status": 400}, None])
        stack.write({"memberships": {"camp": {"members": OWNED + added}}})
        failed = stack.cli("up", "--yes", "--skip-preview")
        assert failed.returncode != 0 and "applied: tagged 2000" in _said(failed), _said(failed)
        assert len(handle.users_of("camp", app="camp")) == 3_000
        assert len(shared.journal_entries()) == 1

        handle.control.delete("/faults")
        runner = stack.on_new_runner(tmp_path / "runner-2")
        runner.write({"memberships": {"camp": {"members": OWNED}}})
        handle.control.delete("/requests")
        preview = runner.cli("preview", "--diff")
        assert "the last update of TagMembership 'camp' failed part-way" in _said(preview), _said(preview)
        assert "untag 3000 user(s)" in preview.stdout
        up = runner.cli("up", "--yes", "--skip-preview")
        assert up.returncode == 0, _said(up)
        assert handle.users_of("camp", app="camp") == OWNED
        assert sorted((r["operation"], r["ids"]) for r in writes(handle)) == [("untagUsers", 1000)] * 3
        assert shared.journal_entries() == []


def test_a_second_up_started_together_is_refused_by_pulumi_s_lock(tmp_path: Path, shared: Shared) -> None:
    with camp_stack(tmp_path, shared, users=4_000) as (stack, handle):
        added = [f"u{n:06d}" for n in range(1_001, 4_001)]
        stack.write({"memberships": {"camp": {"members": OWNED + added}}})
        other = stack.on_new_runner(tmp_path / "runner-2")
        handle.add_fault(operation="tagUsers", fault={"kind": "latency", "latency_ms": 8000}, probability=1)
        handle.control.delete("/requests")
        first = start_up(stack, output=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 120
            while not shared.journal_entries() and time.monotonic() < deadline:
                time.sleep(0.05)  # the entry is written before the first request: the update holds the lock
            second = other.cli("up", "--yes", "--skip-preview")
            assert first.poll() is None, "the first update ended before the second started"
            out, _ = first.communicate(timeout=300)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == 0, out
        assert second.returncode != 0
        assert "locked" in _said(second), _said(second)
        assert sorted(handle.users_of("camp", app="camp")) == OWNED + added
        assert [(r["operation"], r["ids"]) for r in writes(handle)] == [("tagUsers", 1000)] * 3
        assert shared.journal_entries() == []
        assert stack.cli("preview", "--expect-no-changes").returncode == 0


def test_a_rollback_on_a_new_runner_rebuilds_a_list_file_recorded_by_reference(
    tmp_path: Path, shared: Shared
) -> None:
    with camp_stack(tmp_path, shared, users=3_000) as (stack, handle):
        lists = stack.state_dir / "lists"
        lists.mkdir()
        (lists / "camp.txt").write_text("\n".join(OWNED) + "\n")
        stack.write({"memberships": {"camp": {"members_file": "lists/camp.txt"}}})
        stack.stack.up()  # version 2: the list file, recorded by reference
        (lists / "camp.txt").write_text("\n".join(f"u{n:06d}" for n in range(1, 1_201)) + "\n")
        stack.stack.up()  # version 3: 200 more users
        outputs = stack.stack.outputs()["desiredState"].value
        assert "lists/camp.txt" in json.dumps(outputs)

        runner = stack.on_new_runner(tmp_path / "runner-2")
        history = netmera_iac(runner, "history")
        assert history.returncode == 0 and history.stdout.count("update") >= 2, history.stdout
        rolled = netmera_iac(runner, "rollback", "--to", "2")
        assert rolled.returncode == 0, _said(rolled)
        restored = (runner.state_dir / "lists" / "camp.txt").read_text().splitlines()
        assert [line for line in restored if line and not line.startswith("#")] == OWNED
        assert handle.users_of("camp", app="camp") == OWNED
        assert runner.cli("preview", "--expect-no-changes").returncode == 0
        _no_secret(_said(history), _said(rolled))


def test_a_journal_that_cannot_be_written_fails_the_up_before_any_request(
    tmp_path: Path, shared: Shared
) -> None:
    with camp_stack(tmp_path, shared, users=2_000) as (stack, handle):
        if shared.postgres is not None:  # the journal's table readable, not writable, for this role
            shared.postgres.psql(
                "alter table netmera_iac_journal owner to postgres; revoke all on netmera_iac_journal "
                "from pulumi; grant select on netmera_iac_journal to pulumi",
                shared.database,
            )
            where = f"127.0.0.1:{shared.postgres.port}/{shared.database}"
        else:  # a journal bucket that does not exist
            assert shared.s3 is not None
            url = shared.s3.url("no-such-journal-bucket")
            stack.stack.set_config("netmera-iac:journal", auto.ConfigValue(url))
            where = "s3://no-such-journal-bucket"
        stack.write(
            {"memberships": {"camp": {"members": OWNED + [f"u{n:06d}" for n in range(1_001, 2_001)]}}}
        )
        handle.control.delete("/requests")
        up = stack.cli("up", "--yes")
        assert up.returncode != 0
        assert writes(handle) == []
        problem = [ln for ln in up.stdout.splitlines() if "backend" in ln or "cannot" in ln]
        assert problem and where in problem[0], up.stdout
        diagnostics = up.stdout.split("Diagnostics:", 1)[-1].split("Resources:", 1)[0].split("Outputs:", 1)[0]
        assert len([ln for ln in diagnostics.splitlines() if ln.strip()]) <= 5, up.stdout
        _no_secret(_said(up))
        assert yaml.safe_load((stack.state_dir / "tags.yaml").read_text())  # nothing else was touched
