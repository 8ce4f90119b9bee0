"""`netmera-iac … --help` at 80 columns: every option's value is named in words (FILE, NAME, N),
not as a Python type (`<list[Path]>`), and nothing runs past the terminal's edge."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from netmera_iac.cli import app

COMMANDS = [[], ["init"], ["plan"], ["apply"], ["drift"], ["history"], ["rollback"], ["adopt"], ["migrate"],
            ["emulator"], ["emulator", "serve"]]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "netmera-iac")
def test_help_names_values_in_words_at_80_columns(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    ours = [line for line in lines if "--help" not in line]  # typer's own option keeps its label
    assert not [line for line in ours if re.search(r"<(str|int|path|bool|list\[\w+\])>", line)], result.output
