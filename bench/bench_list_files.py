"""Reading a 1,000,000-line list file: `read_ids` (every id checked, duplicates found) against merely
splitting the same file into stripped lines, and the same ids as a CSV and a Parquet table
(`read_id_table`, DuckDB), side by side in one run.

    .venv/bin/python -m bench.bench_list_files [--lines 1000000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from bench.common import timed
from netmera_iac.emulator.fixtures import hex32_id
from netmera_iac.engine.idfile import read_ids
from netmera_iac.engine.tables import read_id_table, write_id_table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ids.txt"
        path.write_text("# benchmark\n" + "".join(f"{hex32_id('u', n)}\n" for n in range(args.lines)))
        split = min(timed(lambda: [s.strip() for s in path.read_text().splitlines()]) for _ in range(3))
        checked = min(timed(lambda: read_ids(path, "ids.txt")) for _ in range(3))
        ids, problems = read_ids(path, "ids.txt")
        assert len(ids) == args.lines and not problems
        # A file with one duplicate at the end takes the per-line path that names lines.
        path.write_text(path.read_text() + f"{hex32_id('u', 0)}\n")
        slow = min(timed(lambda: read_ids(path, "ids.txt")) for _ in range(3))
        tables = {}
        for suffix in ("csv", "parquet"):
            table = Path(tmp) / f"ids.{suffix}"
            write_id_table(table, ids)
            tables[suffix] = min(timed(lambda t=table: read_id_table(t, t.name, None)) for _ in range(3))
            assert read_id_table(table, table.name, None) == (ids, [])
    report = {
        "lines": args.lines,
        "split_only_s": round(split, 3),
        "read_ids_s": round(checked, 3),
        "read_ids_over_split_ratio": round(checked / split, 2),
        "read_ids_with_a_problem_s": round(slow, 3),
        "csv_table_s": round(tables["csv"], 3),
        "csv_table_over_read_ids_ratio": round(tables["csv"] / checked, 2),
        "parquet_table_s": round(tables["parquet"], 3),
        "parquet_table_over_read_ids_ratio": round(tables["parquet"] / checked, 2),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
