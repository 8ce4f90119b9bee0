"""Plans are minimal and converge: properties checked with hypothesis."""

from __future__ import annotations

from netmera_iac.engine import abbreviate


def test_abbreviate_counts_what_it_leaves_out_and_formats_only_what_it_shows() -> None:

    formatted: list[int] = []

    def show(n: int) -> str:
        formatted.append(n)
        return f"#{n}"

    assert abbreviate(["a", "b", "c", "d", "e"], 2) == "a, b, … (+3)"
    assert abbreviate(["a", "b"], 2) == "a, b"
    assert abbreviate(list(range(100)), 3, sep="; ", show=show) == "#0; #1; #2; … (+97)"
    assert formatted == [0, 1, 2]
