"""The fault matrix (issue 13, item 7): every fault Netmera or the machine can throw at an apply, for
every resource family, through the real CLI.

Each cell applies a first desired state (v0), injects one fault into the family's write operation,
applies a change (v1), then takes the user's natural next step: nothing when the client's retries
absorb the fault; a re-run after a failure; after a kill, a revert (or a re-run where a revert cannot
undo: consent lists keep permissions of users who leave them, erasure is final, categories keep
preferences). It ends with the emulator exactly in the desired state (read from its database), the
recovery sending no more than the change touched, and the output naming what happened.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack, start_up

pytestmark = pytest.mark.e2e

APP = "fm"
ERASE = "erase these users permanently"
# Fast retries, and a read timeout a `hang` fault outlasts.
CLIENT_ENV = {
    "NETMERA_READ_TIMEOUT": "1",
    "NETMERA_RETRY_INITIAL_WAIT": "0.05",
    "NETMERA_RETRY_MAX_WAIT": "0.3",
    "NETMERA_RETRY_JITTER": "0",
    "NETMERA_RETRY_DEADLINE": "20",
}


def users(first: int, last: int) -> list[str]:
    return [f"m{n:05d}" for n in range(first, last + 1)]


Db = Any  # the emulator's sqlite connection


@dataclass(frozen=True)
class Family:
    operation: str  # the write operation faults are injected into
    files: Callable[[int], dict[str, object]]  # desired-state files of version 0 or 1
    state: Callable[[Db], object]  # the family's part of the emulator's database
    expected: Callable[[int], object]
    after_kill: str  # "revert" or "rerun"
    changed: int  # users the change from v0 to v1 touches
    journaled: bool = True
    # Erasure asks which users exist before erasing (untagUsers with checkExistence), so its recovery
    # is bounded by requests: two existence reads and two erasures of 1000 at most.
    cost: str = "ids"


def _tags(db: Db) -> object:
    rows = db.execute("SELECT ext_id FROM user_tags WHERE app_id = ? AND tag = 'camp'", (APP,))
    return sorted(r[0] for r in rows)


def _categories(db: Db) -> object:
    rows = db.execute(
        "SELECT ext_id, enabled FROM category_prefs WHERE app_id = ? AND category = 'Promotion'", (APP,)
    )
    return {r[0]: bool(r[1]) for r in rows}


def _profiles(db: Db) -> object:
    rows = db.execute("SELECT ext_id, profile FROM users WHERE app_id = ? AND ext_id <= 'm01200'", (APP,))
    return {r[0]: json.loads(r[1]).get("loyaltyTier") for r in rows}


def _email_permission(db: Db) -> object:
    rows = db.execute(
        "SELECT ext_id, email_permitted FROM users WHERE app_id = ? AND ext_id <= 'm02400'", (APP,)
    )
    return {r[0]: bool(r[1]) for r in rows}


def _emails(db: Db) -> object:
    rows = db.execute("SELECT ext_id, email FROM users WHERE app_id = ? AND ext_id <= 'm00020'", (APP,))
    return {r[0]: r[1] for r in rows}


def _existing(db: Db) -> object:
    rows = db.execute(
        "SELECT ext_id FROM users WHERE app_id = ? AND ext_id BETWEEN 'm01001' AND 'm02200'", (APP,)
    )
    return sorted(r[0] for r in rows)


def _address(version: int, user: str) -> str:
    return f"{'ab'[version]}.{user}@x.example"


FAMILIES: dict[str, Family] = {
    "tags": Family(
        "tagUsers",
        lambda v: {"tags.yaml": {"memberships": {"camp": {"members": users(1, (500, 1700)[v])}}}},
        _tags,
        lambda v: users(1, (500, 1700)[v]),
        "revert",
        1200,
    ),
    "categories": Family(
        "setCategoryPreferences",
        lambda v: {
            "categories.yaml": {
                "preferences": [{"category": "Promotion", "opted_in": users(1, (100, 1500)[v])}]
            }
        },
        _categories,
        lambda v: dict.fromkeys(users(1, (100, 1500)[v]), True),
        "rerun",
        1400,
    ),
    "profiles": Family(
        "setProfileAttributes",
        lambda v: {
            "profiles.yaml": {
                "users": {u: {"loyaltyTier": ("gold", "silver")[v]} for u in users(1, 1200)},
                "verify": "none",
            }
        },
        _profiles,
        lambda v: dict.fromkeys(users(1, 1200), ("gold", "silver")[v]),
        "revert",
        1200,
    ),
    "consent": Family(
        "disableMail",
        lambda v: {"consent.yaml": {"email": {"users": {"opted_out": users(1, (1200, 2400)[v])}}}},
        _email_permission,
        lambda v: {u: int(u[1:]) > (1200, 2400)[v] for u in users(1, 2400)},
        "rerun",
        1200,
    ),
    "contacts": Family(
        "updateEmail",
        lambda v: {"contacts.yaml": {"users": {u: {"email": _address(v, u)} for u in users(1, 20)}}},
        _emails,
        lambda v: {u: _address(v, u) for u in users(1, 20)},
        "revert",
        20,
    ),
    "erasure": Family(
        "deleteUsersPermanently",
        lambda v: {"erasure.yaml": {"confirm": ERASE, "users": users(1001, 2200)}} if v else {},
        _existing,
        lambda v: [] if v else users(1001, 2200),
        "rerun",
        1200,
        journaled=False,
        cost="requests",
    ),
}

# Faults the client absorbs (retries), and faults that stop the apply.
ABSORBED: dict[str, list[dict[str, Any]]] = {
    "429 with Retry-After": [{"kind": "status", "status": 429, "retryAfter": 0.2}] * 2,
    "5xx burst": [{"kind": "status", "status": 503}, {"kind": "status", "status": 502}] * 2,
    "hang beyond the timeout": [{"kind": "hang", "hangSeconds": 3}],
    "dropped before apply": [{"kind": "drop"}],
    "dropped after apply": [{"kind": "drop", "afterApply": True}],
}
STOPPING = ["permanent 4xx mid-batch", "CLI killed", "emulator killed"]


def fixture_file(tmp_path: Path) -> str:
    demo = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "provider/netmera_iac/emulator/fixtures/demo.yaml").read_text()
    )["apps"][0]
    app = {
        "id": APP,
        "name": APP,
        "api_keys": [DEMO_API_KEY],
        "categories": demo["categories"],
        "profile_attributes": demo["profile_attributes"],
        "generated_users": {"prefix": "m", "count": 2500, "width": 5},
    }
    path = tmp_path / "fm.yaml"
    path.write_text(yaml.safe_dump({"apps": [app]}))
    return str(path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cell:
    tmp_path: Path
    family: Family
    served: ServedEmulator
    handle: Emulator
    stack: NetmeraStack

    def write(self, version: int) -> None:
        for path in self.stack.state_dir.glob("*.yaml"):
            path.unlink()
        for name, document in self.family.files(version).items():
            (self.stack.state_dir / name).write_text(yaml.safe_dump(document))

    def up(self) -> subprocess.CompletedProcess[str]:
        return self.stack.cli("up", "--yes", "--skip-preview")

    def state(self) -> object:
        with self.served.store.transaction() as db:
            return self.family.state(db)

    def restart_emulator(self, fixture: str) -> None:
        port, db = self.served.port, self.tmp_path / "netmera.db"
        self.handle.close()
        self.served.stop()
        time.sleep(1)  # Netmera is away for a second
        self.served = ServedEmulator(db=db, fixture=fixture, port=port).start()
        self.handle = Emulator(self.served)


def start_up_and_wait(cell: Cell) -> subprocess.Popen[str]:
    """`pulumi up` with the first write answered at once and the others slowly, returned once the
    first write has been answered (the others are in flight)."""
    slow = {"kind": "latency", "latencyMs": 4000}
    cell.handle.add_fault(operation=cell.family.operation, sequence=[None] + [slow] * 50)
    cli = start_up(cell.stack, output=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not cell.handle.requests(cell.family.operation) and time.monotonic() < deadline:
        assert cli.poll() is None, cli.stdout.read() if cli.stdout else ""
        time.sleep(0.05)
    assert cell.handle.requests(cell.family.operation), "the update never started sending"
    return cli


@pytest.mark.parametrize("fault", [*ABSORBED, *STOPPING])
@pytest.mark.parametrize("name", list(FAMILIES))
def test_fault_matrix(tmp_path: Path, name: str, fault: str) -> None:
    family = FAMILIES[name]
    fixture = fixture_file(tmp_path)
    served = ServedEmulator(db=tmp_path / "netmera.db", fixture=fixture, port=free_port()).start()
    stack = NetmeraStack.create(tmp_path, served.base_url, DEMO_API_KEY)
    stack.project.env.update(CLIENT_ENV)
    stack.stack.set_config("netmera-iac:allowMassChange", auto.ConfigValue("true"))
    cell = Cell(tmp_path, family, served, Emulator(served), stack)
    try:
        cell.write(0)
        first = cell.up()
        assert first.returncode == 0, first.stdout + first.stderr
        assert cell.state() == family.expected(0)
        run_cell(cell, fault, fixture)
    finally:
        cell.handle.close()
        cell.served.stop()


def run_cell(cell: Cell, fault: str, fixture: str) -> None:
    family = cell.family
    cell.write(1)
    cell.handle.control.delete("/requests")
    final = 1
    if fault in ABSORBED:
        cell.handle.add_fault(operation=family.operation, sequence=ABSORBED[fault])
        applied = cell.up()
        assert applied.returncode == 0, applied.stdout + applied.stderr
        assert cell.state() == family.expected(1)
        return
    if fault == "permanent 4xx mid-batch":
        cell.handle.add_fault(operation=family.operation, sequence=[None, {"kind": "status", "status": 400}])
        failed = cell.up()
        said = failed.stdout + failed.stderr
        assert failed.returncode != 0
        assert family.operation in said and "400" in said and "Traceback" not in said, said
        cell.handle.control.delete("/faults")
        expected_note = "failed part-way"
    elif fault == "CLI killed":
        cli = start_up_and_wait(cell)
        os.killpg(cli.pid, signal.SIGKILL)
        cli.communicate(timeout=30)
        time.sleep(5)  # the writes in flight land; the provider stops itself
        cell.handle.control.delete("/faults")
        assert cell.stack.cli("cancel", "--yes").returncode == 0
        if family.after_kill == "revert":
            cell.write(0)
            final = 0
        expected_note = "interrupted update was found"
    else:  # emulator killed: Netmera goes away mid-apply and comes back a second later
        cli = start_up_and_wait(cell)
        cell.restart_emulator(fixture)
        output, _ = cli.communicate(timeout=300)
        if cli.returncode == 0:  # the client's retries outlasted the outage
            assert cell.state() == family.expected(1)
            return
        assert "Traceback" not in output, output
        expected_note = "failed part-way"
    cell.handle.control.delete("/requests")
    recovered = cell.up()
    said = recovered.stdout + recovered.stderr
    assert recovered.returncode == 0, said
    assert cell.state() == family.expected(final)
    if family.journaled:
        assert expected_note in said, said
    recovery = writes(cell.handle)
    sent = len(recovery) if family.cost == "requests" else sum(int(r.get("ids") or 1) for r in recovery)
    bound = 4 if family.cost == "requests" else family.changed
    assert sent <= bound, f"the recovery sent {sent} {family.cost} for a change of {family.changed} users"
    assert cell.stack.cli("preview", "--expect-no-changes").returncode == 0
