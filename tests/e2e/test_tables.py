"""Id lists as CSV and Parquet tables, end to end through the real CLI (issue 23, item 1 in part): a
tag from a Parquet file and a category entry from a CSV column are applied; a change of the table is
planned and sent with the fewest calls; a bad row fails the preview with 0 writes; rollback restores
the table as that version applied it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml

from netmera_iac.engine.tables import read_id_table, write_id_table
from tests.conftest import Emulator
from tests.e2e.conftest import refused_plan, writes
from tests.e2e.harness import NetmeraStack, netmera_iac

pytestmark = pytest.mark.e2e

VIP = [f"user-{n:04d}" for n in range(1, 6)]


def reviewed(stack: NetmeraStack, emulator: Emulator, tmp: Path) -> tuple[str, list[tuple[object, object]]]:
    """`netmera-iac plan --save-plan`, then `apply --plan`: the plan's text and the writes it sent."""
    emulator.clear_requests()
    saved = tmp / "plan.json"
    planned = netmera_iac(stack, "plan", "--save-plan", str(saved))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    applied = netmera_iac(stack, "apply", "--plan", str(saved))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return planned.stdout, [(r["operation"], r["ids"]) for r in writes(emulator)]


def test_tables_drive_a_tag_and_a_category_entry(
    netmera_stack: NetmeraStack, emulator: Emulator, tmp_path: Path
) -> None:
    data = netmera_stack.state_dir / "data"
    data.mkdir()
    write_id_table(data / "vip.parquet", VIP)
    (data / "promo.csv").write_text("name,customer\nAyşe,cust-ayse\nSeven,user-0007\n")
    (netmera_stack.state_dir / "tags.yaml").write_text(
        yaml.safe_dump({"memberships": {"vip": {"members_file": "data/vip.parquet"}}})
    )
    promo = {"category": "Promotion", "opted_in_file": {"path": "data/promo.csv", "column": "customer"}}
    (netmera_stack.state_dir / "categories.yaml").write_text(yaml.safe_dump({"preferences": [promo]}))
    netmera_stack.stack.up()
    assert emulator.users_of("vip") == VIP

    write_id_table(data / "vip.parquet", [*VIP[:4], "user-0006"])
    planned, sent = reviewed(netmera_stack, emulator, tmp_path)
    assert "| tag `vip` | update | 2 | tag 1, untag 1 |" in planned
    assert sent == [("tagUsers", 1), ("untagUsers", 1)]

    con = duckdb.connect()
    con.execute("COPY (SELECT * FROM (VALUES ('user-0001'), (NULL)) t(ext_id)) TO $p (FORMAT parquet)",
                {"p": str(data / "vip.parquet")})  # fmt: skip
    refused = refused_plan(netmera_stack, emulator)
    problem = "stacks/e2e/data/vip.parquet\n  row 2: column 'ext_id' is empty (null): every row needs an id"
    assert problem in refused.stdout, refused.stdout  # file, row and column, grouped by the file

    rolled = netmera_iac(netmera_stack, "rollback", "--to", "1")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert read_id_table(data / "vip.parquet", "vip", None) == (VIP, [])
    assert emulator.users_of("vip") == VIP


def test_a_profile_table_drives_profiles_and_a_changed_cell_is_one_entry(
    netmera_stack: NetmeraStack, emulator: Emulator, tmp_path: Path
) -> None:
    data = netmera_stack.state_dir / "data"
    data.mkdir()
    table = data / "customers.parquet"

    def write(tier_of_0003: str) -> None:
        rows = "('cust-ayse', 'gold', 1250.5), ('user-0002', 'silver', NULL), "
        rows += f"('user-0003', '{tier_of_0003}', 10.0)"
        select = f"SELECT * FROM (VALUES {rows}) t(ext_id, loyaltyTier, lifetimeValue)"
        duckdb.connect().execute(f"COPY ({select}) TO $p (FORMAT parquet)", {"p": str(table)})

    write("bronze")
    (netmera_stack.state_dir / "profiles.yaml").write_text("users_file: data/customers.parquet\n")
    netmera_stack.stack.up()
    with emulator.api() as api:
        answer = api.get("/getProfileAttributes", params={"extId": "user-0002"}).json()
    assert "silver" in json.dumps(answer) and "lifetimeValue" not in json.dumps(answer)  # null: unmanaged

    write("gold")
    planned, sent = reviewed(netmera_stack, emulator, tmp_path)
    assert "- **set loyaltyTier 1 user(s)**: `user-0003`" in planned
    assert sent == [("setProfileAttributes", 1)]
