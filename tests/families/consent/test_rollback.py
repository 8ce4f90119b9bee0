"""Rollback keeps who opted out since opted out, in inline lists, text list files and table files."""

from __future__ import annotations

import yaml

from netmera_iac.engine.tables import id_table_content, table_ids
from netmera_iac.families.consent.rollback import _keep_opted_out


def test_blocked_ids_move_to_opted_out_in_text_and_table_files() -> None:
    consent = {
        "push": {"users": {"opted_in_file": "in.txt", "opted_out_file": {"path": "out.csv", "column": "c"}}},
        "email": {"users": {"opted_in_file": "mail.parquet", "opted_out": ["u9"]}},
    }
    files = {
        "consent.yaml": yaml.safe_dump(consent),
        "in.txt": "u1\nu2\n",
        "out.csv": "c\nu7\n",
        "mail.parquet": id_table_content("mail.parquet", ["u3", "u4"]),
    }
    changed = _keep_opted_out(files, {"push-users": ["u2"], "email-users": ["u4"]}, version=3)
    assert changed["in.txt"] == "u1\n"
    assert table_ids("out.csv", changed["out.csv"], "c") == ["u7", "u2"]
    assert table_ids("mail.parquet", changed["mail.parquet"]) == ["u3"]
    restored = yaml.safe_load(str(changed["consent.yaml"]))
    assert restored["email"]["users"]["opted_out"] == ["u9", "u4"]
