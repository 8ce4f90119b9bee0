"""The README's dependency sentence, checked: program and workflow -> families -> adapters -> backends
-> engine -> client -> models; Pulumi only in a family's adapters and the shared adapter code; the
emulator shares only the models."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "provider" / "netmera_iac"
# Pure parts of a family: what the loader, the summary and rollback import without Pulumi.
ADAPTERS = {"resource.py", "register.py", "arrays.py", "retirement.py"}


def _imports(path: Path) -> set[str]:
    """Absolute module names `path` imports (relative imports resolved)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _reaches(imports: set[str], *targets: str) -> list[str]:
    return sorted(i for i in imports if any(i == t or i.startswith(f"{t}.") for t in targets))


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("models", ("netmera_iac.client", "netmera_iac.engine", "netmera_iac.families", "pulumi")),
        (
            "client",
            (
                "netmera_iac.backends",
                "netmera_iac.engine",
                "netmera_iac.families",
                "netmera_iac.adapters",
                "pulumi",
            ),
        ),
        (
            "engine",
            (
                "netmera_iac.backends",
                "netmera_iac.families",
                "netmera_iac.adapters",
                "netmera_iac.workflow",
                "pulumi",
            ),
        ),
        ("adapters", ("netmera_iac.families", "netmera_iac.workflow", "netmera_iac.program")),
        ("backends", ("netmera_iac.families", "netmera_iac.adapters", "netmera_iac.workflow", "pulumi")),
        ("emulator", ("netmera_iac.client", "netmera_iac.engine", "netmera_iac.families", "pulumi")),
    ],
)
def test_no_layer_imports_one_above_it(folder: str, forbidden: tuple[str, ...]) -> None:
    wrong = {
        str(path.relative_to(PACKAGE)): reached
        for path in _modules(folder)
        if (reached := _reaches(_imports(path), *forbidden))
    }
    assert wrong == {}


def test_only_a_family_s_adapters_import_pulumi() -> None:
    wrong = {
        str(path.relative_to(PACKAGE)): reached
        for path in _modules("families")
        if path.name not in ADAPTERS
        and (reached := _reaches(_imports(path), "pulumi", "netmera_iac.adapters", "netmera_iac.reads"))
    }
    assert wrong == {}


def test_a_provider_process_does_not_load_the_loader_s_libraries() -> None:
    """Every provider process imports the families' registry, and with it the loader's modules;
    DuckDB (~27 MB of a process) and JSON Schema are imported only where a table is read or a file
    validated, which a provider never does (a million-user provider's budget is 500 MB)."""
    adapters = [
        f"netmera_iac.families.{p.parent.name}.resource"
        for p in sorted(PACKAGE.glob("families/*/resource.py"))
    ]
    code = (
        "import sys, netmera_iac.adapters.host, "
        + ", ".join(adapters)
        + "; print(sorted(m for m in ('duckdb', 'jsonschema') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]", found.stderr
