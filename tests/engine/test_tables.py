"""Id lists as tables: CSV and Parquet read with DuckDB, checked per column, named by row."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from netmera_iac.engine import DesiredStateError
from netmera_iac.engine.record import record_desired_state, restore_desired_state, write_desired_state
from netmera_iac.engine.tables import connect_to, id_table_content, read_id_table, table_ids, write_id_table
from netmera_iac.families import DESIRED_STATE_FILES, load_desired_state

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def parquet(path: Path, rows: list[tuple[object, ...]], columns: str) -> Path:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t ({columns})")
    for row in rows:
        con.execute(f"INSERT INTO t VALUES ({', '.join('?' for _ in row)})", list(row))
    con.execute("COPY t TO $p (FORMAT parquet)", {"p": str(path)})
    return path


def test_ids_come_from_the_named_column_in_row_order(tmp_path: Path) -> None:
    csv = tmp_path / "vip.csv"
    csv.write_text("name,customer_id\nAyşe,007\nMehmet,cust-2\n")
    assert read_id_table(csv, "vip.csv", "customer_id") == (["007", "cust-2"], [])  # text: 007 stays
    table = parquet(tmp_path / "vip.parquet", [("b", 1), ("a", 2)], "ext_id VARCHAR, ltv INTEGER")
    assert read_id_table(table, "vip.parquet", None) == (["b", "a"], [])


def test_bad_tables_name_the_file_the_row_and_the_column(tmp_path: Path) -> None:
    csv = tmp_path / "l.csv"
    csv.write_text("ext_id,x\nu1,1\n,2\nu1,3\n")
    assert read_id_table(csv, "l.csv", None) == ([], [
        "l.csv: row 2: column 'ext_id' is empty (null): every row needs an id",
        "l.csv: row 3: 'u1' in column 'ext_id' is listed more than once (first at row 1)",
    ])  # fmt: skip
    assert read_id_table(csv, "l.csv", "id")[1] == ["l.csv: no column 'id' (columns: ext_id, x)"]
    numbers = parquet(tmp_path / "n.parquet", [(7,)], "ext_id BIGINT")
    (problem,) = read_id_table(numbers, "n.parquet", None)[1]
    assert problem.startswith("n.parquet: column 'ext_id' is BIGINT, not text")
    spaced = tmp_path / "s.csv"
    spaced.write_text('ext_id\nu1\n" u2"\n')
    assert read_id_table(spaced, "s.csv", None)[1] == [
        "s.csv: row 2: column 'ext_id': not a valid id (value: ' u2')"
    ]
    broken = tmp_path / "b.parquet"
    broken.write_bytes(b"not parquet")
    assert read_id_table(broken, "b.parquet", None)[1][0].startswith(
        "b.parquet: cannot be read as a PARQUET table"
    )


def test_a_table_can_read_that_one_file_and_nothing_else(tmp_path: Path) -> None:
    mine, other = tmp_path / "mine.csv", tmp_path / "other.csv"
    mine.write_text("ext_id\nu1\n")
    other.write_text("ext_id\nsecret\n")
    con = connect_to(mine)
    assert con.execute("SELECT count(*) FROM read_csv($p)", {"p": str(mine)}).fetchone() == (1,)
    with pytest.raises(duckdb.PermissionException):
        con.execute("SELECT * FROM read_csv($p)", {"p": str(other)})
    with pytest.raises(duckdb.Error):
        con.execute("SET enable_external_access = true")


def test_the_loader_takes_tables_wherever_a_list_file_is_accepted(tmp_path: Path) -> None:
    stack = tmp_path / "stacks" / "t"
    (stack / "data").mkdir(parents=True)
    write_id_table(stack / "data" / "vip.parquet", ["u1", "u2"])
    (stack / "data" / "promo.csv").write_text("customer\nu3\n")
    (stack / "tags.yaml").write_text(
        yaml.safe_dump({"memberships": {"vip": {"members_file": "data/vip.parquet"}}})
    )
    promo = {"category": "Promotion", "opted_in_file": {"path": "data/promo.csv", "column": "customer"}}
    categories = {"preferences": [promo]}
    (stack / "categories.yaml").write_text(yaml.safe_dump(categories))
    state = load_desired_state(stack, SCHEMAS)
    assert {path: ids for path, ids in ((f.path, f.ids) for f in state.list_files)} == {
        "data/vip.parquet": ("u1", "u2"),
        "data/promo.csv": ("u3",),
    }
    (stack / "tags.yaml").write_text(
        yaml.safe_dump({"memberships": {"vip": {"members_file": {"path": "data/vip.txt", "column": "x"}}}})
    )
    (stack / "data" / "vip.txt").write_text("u1\n")
    with pytest.raises(DesiredStateError) as raised:
        load_desired_state(stack, SCHEMAS)
    assert raised.value.problems == [
        "stacks/t/tags.yaml: memberships.vip.members_file.column: only a .csv or .parquet table has columns"
    ]


def test_rollback_restores_a_table_in_its_own_format(tmp_path: Path) -> None:
    stack = tmp_path / "stacks" / "t"
    (stack / "data").mkdir(parents=True)
    write_id_table(stack / "data" / "vip.parquet", ["u2", "u1"])
    (stack / "data" / "merged.csv").write_text("ext_id,score\nu5,1\n")
    state = {"memberships": {"vip": {"members_file": "data/vip.parquet"}},
             "assignments": {"extra": {"members_file": "data/merged.csv"}}}  # fmt: skip
    (stack / "tags.yaml").write_text(yaml.safe_dump(state))
    desired = load_desired_state(stack, SCHEMAS)
    held = [f for f in desired.list_files if f.path == "data/vip.parquet"]
    recorded = record_desired_state(stack, DESIRED_STATE_FILES, tuple(
        f if f.path != "data/merged.csv" else type(f)(f.path, f.ids) for f in desired.list_files
    ))  # fmt: skip
    inputs = {"__members": __import__("netmera_iac.engine.codec", fromlist=["x"]).encode_ids(["u1", "u2"])}
    kind, name, prop, _ = held[0].holder or ("", "", "", None)
    deployment = {"resources": [{"urn": f"urn:pulumi:t::p::pulumi-python:dynamic/netmera:{kind}::{name}",
                                 "inputs": {f"__{prop}": inputs["__members"]}}]}  # fmt: skip
    files = restore_desired_state(recorded, DESIRED_STATE_FILES, deployment)
    assert isinstance(files["data/vip.parquet"], bytes)
    assert table_ids("data/vip.parquet", files["data/vip.parquet"]) == ["u1", "u2"]
    assert files["data/merged.csv"] == "ext_id,score\nu5,1\n"  # recorded whole
    target = tmp_path / "restored"
    write_desired_state(target, files, DESIRED_STATE_FILES)
    assert read_id_table(target / "data" / "vip.parquet", "vip", None) == (["u1", "u2"], [])
    assert id_table_content("x.csv", ["a,b", "c"], "my id") == 'my id\n"a,b"\nc\n'


def test_rows_table_content_types_a_column_that_starts_empty_from_every_row(tmp_path: Path) -> None:
    """Rollback writes a profile query's rows as Parquet; a column absent from the first 30,000 users
    must still come back typed and whole."""
    from netmera_iac.engine.tables import rows_table_content

    rows: dict[str, dict[str, object]] = {f"u{i:05d}": {"tier": "gold"} for i in range(30_000)}
    rows |= {"late-1": {"tier": "silver", "age": 41, "brands": ["acme"]}, "late-2": {"age": 7}}
    table = tmp_path / "rows.parquet"
    table.write_bytes(rows_table_content(rows))
    con = duckdb.connect()
    types = dict(con.execute("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(table)}).fetchall()[i][:2]
                 for i in range(4))  # fmt: skip
    assert types == {"ext_id": "VARCHAR", "tier": "VARCHAR", "age": "BIGINT", "brands": "VARCHAR[]"}
    late = con.execute(
        "SELECT ext_id, tier, age, brands FROM read_parquet($p) WHERE age IS NOT NULL ORDER BY ext_id",
        {"p": str(table)},
    ).fetchall()
    assert late == [("late-1", "silver", 41, ["acme"]), ("late-2", None, 7, None)]
    assert con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(table)}).fetchone() == (30_002,)
