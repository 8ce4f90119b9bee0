"""The program's person-level judgement (person.py `judge`) over the stack's consent record."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from netmera_iac.backends.folder import FolderStore
from netmera_iac.engine import OPTED_IN, OPTED_OUT, Preference
from netmera_iac.engine.consent_record import HOWS, ConsentRecord, Line, person_key
from netmera_iac.families.consent.desired import ConsentListSpec, ConsentSection
from netmera_iac.families.consent.ledger import Evidence
from netmera_iac.families.consent.person import judge


def at(minutes: int) -> str:
    return (datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _section(
    addressing: str, consents: Mapping[str, Preference], evidence: Mapping[str, Evidence]
) -> ConsentSection:
    spec = ConsentListSpec(
        "email",
        "extId" if addressing == "extId" else "emailList",
        dict(consents),
        dict(evidence),
        f"consent.yaml: email.{'users' if addressing == 'extId' else 'addresses'}",
    )
    return ConsentSection((spec,))


def _record(folder: Path, lines: Mapping[str, Line]) -> ConsentRecord:
    record = ConsentRecord(FolderStore(folder, "folder"), "c")
    record.write("email", lines)
    return record


def test_an_opt_in_of_an_id_the_record_has_opted_out_is_named_from_its_opted_out_lines_alone(
    tmp_path: Path,
) -> None:
    record = _record(
        tmp_path,
        {
            "id:u1": Line(OPTED_OUT, "applied", at(0), "email-users"),
            "id:u2": Line(OPTED_IN, "applied", at(0), "email-users"),
            "id:u3": Line(OPTED_OUT, "applied", at(0), "email-users"),
        },
    )
    section = _section(
        "extId", {"u1": OPTED_IN, "u2": OPTED_IN, "u3": OPTED_IN}, {"u3": Evidence("form", at(5))}
    )
    outs = record.lines("email", OPTED_OUT)
    assert sorted(outs) == ["id:u1", "id:u3"]
    verdict = judge(section, {"email": outs}, {})
    assert len(verdict.problems) == 1
    assert "1 opt-in(s) of people who opted out" in verdict.problems[0]
    assert "u1 (person u1) opted out" in verdict.problems[0] and "u3" not in verdict.problems[0]


IDS = [f"u{i}" for i in range(8)]
LINE = st.builds(
    Line,
    st.sampled_from([OPTED_IN, OPTED_OUT]),
    st.sampled_from(HOWS),
    st.sampled_from(["", at(0), at(10)]),
    st.sampled_from(["email-users", "email-addresses"]),
)


@settings(max_examples=150, deadline=None)
@given(
    addressing=st.sampled_from(["extId", "emailList"]),
    recorded=st.dictionaries(st.sampled_from(IDS), LINE),
    desired=st.dictionaries(st.sampled_from(IDS), st.sampled_from([OPTED_IN, OPTED_OUT])),
    proven=st.dictionaries(st.sampled_from(IDS), st.sampled_from([at(-5), at(5), at(15)])),
)
def test_property_without_links_the_opted_out_lines_judge_as_the_whole_record(
    addressing: str,
    recorded: dict[str, Line],
    desired: dict[str, Preference],
    proven: dict[str, str],
) -> None:
    """The program reads only the opted-out lines when no link ties two keys to one person (most of
    a million lines never parsed): the verdict is the one the whole record gives."""
    shown = {i: i if addressing == "extId" else f"{i}@Example.com" for i in IDS}
    consents = {shown[i]: s for i, s in desired.items()}
    evidence = {shown[i]: Evidence("form", t) for i, t in proven.items() if desired.get(i) == OPTED_IN}
    keyed = "extId" if addressing == "extId" else "emailList"
    lines = {person_key(keyed, shown[i]): line for i, line in recorded.items()}
    with tempfile.TemporaryDirectory() as folder:
        record = _record(Path(folder), lines)
        section = _section(addressing, consents, evidence)
        whole = judge(section, {"email": record.lines("email")}, {})
        assert judge(section, {"email": record.lines("email", OPTED_OUT)}, {}) == whole
    blocked = {
        i
        for i, s in desired.items()
        if s == OPTED_IN
        and i in recorded
        and recorded[i].state == OPTED_OUT
        and not (i in proven and recorded[i].at and proven[i] > recorded[i].at)
    }
    assert bool(whole.problems) == bool(blocked)
