"""Segment names resolve to exactly one id, for the program's reads and for adopt alike."""

from __future__ import annotations

import pytest

from netmera_iac.models import Segment
from netmera_iac.reads import ReadError, segment_id_of

SEGMENTS = [
    Segment(id=1, name="VIP", type="STANDARD"),
    Segment(id=2, name="Twice", type="STANDARD"),
    Segment(id=3, name="Twice", type="STANDARD"),
]


def test_a_name_must_match_exactly_one_segment() -> None:
    assert segment_id_of("VIP", SEGMENTS) == 1
    with pytest.raises(ReadError, match="no segment named 'vip'"):
        segment_id_of("vip", SEGMENTS)
    with pytest.raises(ReadError, match="2 segments named 'Twice'; name the segment by its id instead"):
        segment_id_of("Twice", SEGMENTS)
