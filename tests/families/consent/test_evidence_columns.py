"""Consent evidence from a table's or a query's columns (`evidence_source`, `evidence_at`), checked as
evidence written in YAML is."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from netmera_iac.engine import DesiredStateError
from netmera_iac.families import load_desired_state
from netmera_iac.families.consent import FAMILY as CONSENT

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "schemas"
GIVEN = "SELECT 'u1' AS ext_id, 'f' AS evidence_source, '2026-11-01T00:00:00Z' AS evidence_at"


def _stack(tmp_path: Path, consent: str, **tables: str) -> Path:
    folder = tmp_path / "stacks" / "c"
    (folder / "data").mkdir(parents=True)
    for name, select in tables.items():
        duckdb.connect().execute(
            f"COPY ({select}) TO $p (FORMAT parquet)", {"p": str(folder / "data" / name)}
        )
    (folder / "consent.yaml").write_text(consent)
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(DesiredStateError) as caught:
        load_desired_state(folder, SCHEMAS, shown_root=folder.parent.parent)
    return caught.value.problems


def test_evidence_columns_of_a_table_and_a_query_become_the_lists_evidence(tmp_path: Path) -> None:
    select = ("SELECT * FROM (VALUES ('u1', 'signup form', TIMESTAMPTZ '2026-11-28 09:00:00+00'), "
              "('u2', NULL, NULL)) t(ext_id, evidence_source, evidence_at)")  # fmt: skip
    folder = _stack(
        tmp_path,
        "email:\n  users:\n    opted_in_file: data/in.parquet\n"
        "sms:\n  users:\n    opted_in_query: {sql: \"select 'u3' as ext_id, "
        "'call centre' as evidence_source, '2026-11-01T10:00:00+03:00' as evidence_at\"}\n",
        **{"in.parquet": select},
    )
    section = load_desired_state(folder, SCHEMAS, shown_root=tmp_path).of(CONSENT)
    assert section is not None
    email, sms = section.lists
    assert {k: (v.source, v.at) for k, v in email.evidence.items()} == {
        "u1": ("signup form", "2026-11-28T09:00:00.000000Z")
    }
    assert {k: (v.source, v.at) for k, v in sms.evidence.items()} == {
        "u3": ("call centre", "2026-11-01T10:00:00+03:00")
    }


def test_bad_evidence_columns_are_refused_naming_the_file_and_row(tmp_path: Path) -> None:
    naive = "SELECT 'u1' AS ext_id, 'form' AS evidence_source, TIMESTAMP '2026-11-28 09:00:00' AS evidence_at"
    half = "SELECT 'u1' AS ext_id, 'form' AS evidence_source"
    future = "SELECT 'u1' AS ext_id, 'form' AS evidence_source, '2999-01-01T00:00:00Z' AS evidence_at"
    missing = (
        "SELECT * FROM (VALUES ('u1', 'form', NULL::VARCHAR), ('u2', NULL, NULL)) "
        "t(ext_id, evidence_source, evidence_at)"
    )
    cases = {
        naive: "stacks/c/data/t.parquet: column 'evidence_at' is TIMESTAMP, a time without a zone: give it "
        "a zone (TIMESTAMP WITH TIME ZONE, or text such as 2026-11-28T09:00:00Z)",
        half: "stacks/c/data/t.parquet: column 'evidence_source' needs column 'evidence_at' beside it",
        future: "stacks/c/consent.yaml: email.users.opted_in: 'u1': evidence.at: consent cannot be given in "
        "the future (value: '2999-01-01T00:00:00Z')",
        missing: "stacks/c/data/t.parquet: row 1 (u1): evidence needs both evidence_source and evidence_at",
    }
    for n, (select, problem) in enumerate(cases.items()):
        folder = _stack(
            tmp_path / str(n),
            "email:\n  users:\n    opted_in_file: data/t.parquet\n",
            **{"t.parquet": select},
        )
        assert _problems(folder) == [problem]
    both = _stack(
        tmp_path / "both",
        "email:\n  users:\n    opted_in_file: data/t.parquet\n"
        "    evidence: {u1: {source: form, at: '2026-11-01T00:00:00Z'}}\n",
        **{"t.parquet": GIVEN},
    )
    assert _problems(both) == [
        "stacks/c/consent.yaml: email.users.opted_in: 'u1': evidence: given both under `evidence` and in the "
        "table's columns; keep one"
    ]
    out = _stack(tmp_path / "out", "email:\n  users:\n    opted_out_file: data/t.parquet\n",
                 **{"t.parquet": GIVEN})  # fmt: skip
    assert _problems(out) == [
        "stacks/c/consent.yaml: email.users.opted_out: evidence columns are for opted_in lists only"
    ]


def test_evidence_columns_mean_nothing_outside_consent_and_are_not_read_there(tmp_path: Path) -> None:
    half = "SELECT 'u1' AS ext_id, 'form' AS evidence_source"  # refused in a consent list (above)
    folder = _stack(tmp_path, "email: {}\n", **{"t.parquet": half})
    (folder / "consent.yaml").unlink()
    (folder / "tags.yaml").write_text("memberships:\n  vip: {members_file: data/t.parquet}\n")
    (folder / "categories.yaml").write_text(
        "preferences:\n  - category: News\n    opted_in_file: data/t.parquet\n"
    )
    state = load_desired_state(folder, SCHEMAS, shown_root=folder.parent.parent)
    assert state.sections["tags"].memberships[0].members == ("u1",)  # type: ignore[attr-defined]
