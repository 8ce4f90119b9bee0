"""The `netmera-iac` command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Netmera user state as code: emulator and review workflow.", no_args_is_help=True)
emulator_app = typer.Typer(help="The local Netmera emulator.", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")


@emulator_app.command("serve")
def emulator_serve(
    port: Annotated[int, typer.Option(help="TCP port to listen on")] = 8890,
    host: Annotated[str, typer.Option(help="Interface to bind (keep it local)")] = "127.0.0.1",
    db: Annotated[str, typer.Option(help="SQLite file, or :memory:")] = str(Path(".netmera") / "emulator.db"),
    fixture: Annotated[
        str, typer.Option(help="Fixture name (demo) or YAML path, loaded into an empty db")
    ] = "demo",
) -> None:
    """Serve the emulator until interrupted; prints the base URL and the demo key."""
    from .emulator.server import DEMO_API_KEY, serve
    from .models import BASE_PATH

    typer.echo(f"Netmera emulator: base URL http://{host}:{port}{BASE_PATH}")
    if fixture == "demo":
        typer.echo(f"demo API key (public, emulator only): {DEMO_API_KEY}")
    typer.echo(f"state: {db}", err=True)
    serve(host, port, db, fixture)


if __name__ == "__main__":
    app()
