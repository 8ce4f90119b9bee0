"""Profiles as a table (`users_file`): types and constraints checked per column, problems by row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from netmera_iac.engine import DesiredStateError
from netmera_iac.families import load_desired_state
from netmera_iac.families.profiles.schema import attribute_specs
from netmera_iac.families.profiles.table import read_profile_table

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "schemas" / "profile-attributes.schema.json").read_text())
SPECS = attribute_specs(SCHEMA, "schema")


def profiles(path: Path, column: str | None = None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    return read_profile_table(path, path.name, column, SCHEMA, SPECS)


def parquet(path: Path, select: str) -> Path:
    duckdb.connect().execute(f"COPY ({select}) TO $p (FORMAT parquet)", {"p": str(path)})
    return path


def test_a_csv_is_cast_per_column_and_an_empty_cell_is_not_managed(tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("id,loyaltyTier,age,isSubscribed,lifetimeValue\na,gold,34,true,12.5\nb,,041,,\nc,,,,\n")
    assert profiles(csv, "id") == (
        {
            "a": {"loyaltyTier": "gold", "age": 34, "isSubscribed": True, "lifetimeValue": 12.5},
            "b": {"age": 41},
        },
        [],
    )  # c manages nothing, so it is not managed


def test_bad_cells_are_named_by_file_row_ext_id_and_column(tmp_path: Path) -> None:
    cast = tmp_path / "cast.csv"
    cast.write_text("ext_id,age\na,thirty\n")
    assert profiles(cast)[1] == ["cast.csv: row 1: column 'age': 'thirty' is not INTEGER"]
    ranged = tmp_path / "ranged.csv"
    ranged.write_text("ext_id,loyaltyTier,age\na,diamond,3\nb,gold,151\n")
    assert profiles(ranged)[1] == [
        "ranged.csv: row 1 (a): column 'loyaltyTier': 'diamond' is not one of "
        "['bronze', 'silver', 'gold', 'platinum']",
        "ranged.csv: row 2 (b): column 'age': 151 breaks maximum 150",
    ]
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("ext_id,shoeSize\na,38\n")
    (problem,) = profiles(unknown)[1]
    assert problem.startswith("unknown.csv: column 'shoeSize' is not an attribute of the managed schema")
    arrays = tmp_path / "arrays.csv"
    arrays.write_text("ext_id,favouriteBrands\na,acme\n")
    assert profiles(arrays)[1] == [
        "arrays.csv: column 'favouriteBrands': array attribute 'favouriteBrands' needs a Parquet list column"
    ]


def test_a_parquet_column_must_hold_its_type_and_dates_become_epoch_milliseconds(tmp_path: Path) -> None:
    good = parquet(
        tmp_path / "good.parquet",
        "SELECT 'a' AS ext_id, DATE '1989-10-13' AS dateOfBirth, ['acme', 'globex'] AS favouriteBrands, "
        "1250.5 AS lifetimeValue",
    )
    assert profiles(good) == (
        {"a": {"dateOfBirth": 624240000000, "favouriteBrands": ["acme", "globex"], "lifetimeValue": 1250.5}},
        [],
    )
    wrong = parquet(tmp_path / "wrong.parquet", "SELECT 'a' AS ext_id, 'x' AS age")
    assert profiles(wrong)[1] == [
        "wrong.parquet: column 'age' is VARCHAR, which does not hold INTEGER values"
    ]
    huge = parquet(tmp_path / "huge.parquet", "SELECT 'a' AS ext_id, 9007199254740993::BIGINT AS age")
    assert (
        profiles(huge)[1][-1] == "huge.parquet: row 1 (a): column 'age': 9007199254740993 is beyond ±2^53-1"
    )


def test_users_file_in_profiles_yaml(tmp_path: Path) -> None:
    stack = tmp_path / "stacks" / "t"
    (stack / "data").mkdir(parents=True)
    (stack / "data" / "c.csv").write_text("ext_id,loyaltyTier\na,gold\n")
    (stack / "profiles.yaml").write_text("users_file: data/c.csv\n")
    state = load_desired_state(stack, ROOT / "schemas")
    assert state.sections["profiles"].profiles == {"a": {"loyaltyTier": "gold"}}  # type: ignore[attr-defined]
    assert [f.path for f in state.list_files] == ["data/c.csv"]  # recorded for rollback
    (stack / "profiles.yaml").write_text("users_file: data/c.csv\nusers: {b: {loyaltyTier: gold}}\n")
    with pytest.raises(DesiredStateError) as raised:
        load_desired_state(stack, ROOT / "schemas")
    assert raised.value.problems == [
        "stacks/t/profiles.yaml: give `users` or `users_file`, not both (value: 'data/c.csv')"
    ]
