"""The `netmera-iac` command: the review workflow around `pulumi`, and the local emulator.

Every workflow command drives the real Pulumi CLI on PATH in the project folder, with the backend and
passphrase of the environment (`. tools/env.sh` locally; CI sets them from secrets). Output meant for
people (Markdown summaries, tables) goes to stdout; progress goes to stderr.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import track
from rich.table import Column, Table

app = typer.Typer(
    help="Netmera user state as code: review workflow and emulator.",
    no_args_is_help=True,
    add_completion=False,
)
emulator_app = typer.Typer(help="The local Netmera emulator.", no_args_is_help=True)
app.add_typer(emulator_app, name="emulator")
err = Console(stderr=True)

if TYPE_CHECKING:
    from .workflow.pulumi_cli import PulumiCli
    from .workflow.summary import Summary

StackOption = Annotated[
    str,
    typer.Option("--stack", "-s", metavar="NAME", help="Pulumi stack (its desired state is stacks/<stack>/)"),
]
ProjectOption = Annotated[
    Path, typer.Option("--project", metavar="FOLDER", help="Folder holding Pulumi.yaml")
]
RefreshOption = Annotated[
    bool,
    typer.Option(
        "--refresh/--no-refresh",
        metavar="",
        help="Read live state first (needed for drift and consent times)",
    ),
]


def _cli(stack: str, project: Path) -> PulumiCli:
    from .workflow.pulumi_cli import PulumiCli

    return PulumiCli(stack, project.resolve())


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]{message}[/red]", highlight=False)
    return typer.Exit(code)


def _summary_run(
    cli: PulumiCli, title: str, status: str, *preview_flags: str, verbose: bool = False
) -> tuple[int, Summary]:
    from .workflow.progress import read_progress
    from .workflow.pulumi_cli import last_line
    from .workflow.summary import preview_from_events, summarise

    if err.is_terminal:
        with read_progress(err, status) as on_event:
            code, events, stderr = cli.preview_events(*preview_flags, on_event=on_event)
    else:
        code, events, stderr = cli.preview_events(*preview_flags)
    if verbose:  # Pulumi's own words, in full, for the log
        for event in events:
            said = (event.get("diagnosticEvent") or event.get("policyEvent") or {}).get("message")
            if said:
                err.print(str(said).rstrip(), markup=False, highlight=False)
        err.print(stderr.rstrip(), markup=False, highlight=False)
    if code != 0 and not events:  # the preview never started (no such stack, no backend): no summary
        raise _fail(f"{title}: {last_line(stderr) or f'pulumi preview failed (exit {code})'}", 2)
    preview = preview_from_events(events)
    summary = summarise(preview)
    if code != 0 and not summary.problems:
        summary.problems.append(stderr.strip() or f"pulumi preview failed (exit {code})")
    return code, summary


@app.command()
def init(
    stack: Annotated[
        str, typer.Option("--stack", "-s", metavar="NAME", help="The new stack (and stacks/NAME/)")
    ],
    project: ProjectOption = Path("."),
    base_url: Annotated[
        str | None,
        typer.Option(metavar="URL", help="The app's REST base URL (else NETMERA_BASE_URL, or a prompt)"),
    ] = None,
    os_: Annotated[
        str, typer.Option("--os", metavar="IOS|ANDROID", help="Platform segment reads are asked for")
    ] = "IOS",
    api_key_file: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="File holding the API key (else NETMERA_API_KEY, or a prompt)"),
    ] = None,
    secrets_provider: Annotated[
        str | None,
        typer.Option(metavar="URL", help="Pulumi secrets provider (default: passphrase, from the env)"),
    ] = None,
    adopt_segment: Annotated[
        list[str] | None,
        typer.Option(metavar="SEGMENT", help="Adopt this segment's users right away (repeatable)"),
    ] = None,
    adopt_user: Annotated[
        list[str] | None, typer.Option(metavar="ID", help="Adopt this user right away (repeatable)")
    ] = None,
) -> None:
    """Create a stack for one Netmera app: its config, its encrypted key, its own attribute schema.

    The key is checked with one read first; nothing is written if any check fails."""
    import os
    import sys

    from .client import NetmeraClient, NetmeraError
    from .models import DEFAULT_BASE_URL
    from .workflow.adopt import adopt as read_live
    from .workflow.adopt import write_adoption
    from .workflow.init import InitError, NewStack, create_stack, read_app, refusals, segment_offer

    root = project.resolve()
    terminal = sys.stdin.isatty()
    url = base_url or os.environ.get("NETMERA_BASE_URL")
    if url is None:
        url = typer.prompt("Base URL", default=DEFAULT_BASE_URL) if terminal else DEFAULT_BASE_URL
    new = NewStack(stack, url, os_.upper(), secrets_provider)
    problems = refusals(root, new, os.environ)
    if problems:
        raise _fail("init: " + "\ninit: ".join(problems), 2)
    if api_key_file is not None:
        try:
            key = api_key_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise _fail(f"init: --api-key-file: {exc.strerror} ({api_key_file})", 2) from None
    elif os.environ.get("NETMERA_API_KEY"):
        key = os.environ["NETMERA_API_KEY"]
    elif terminal:
        key = typer.prompt("Netmera API key (not shown)", hide_input=True)
    else:
        raise _fail("init: no API key: give --api-key-file FILE or set NETMERA_API_KEY", 2)
    cli = _cli(stack, root)
    with NetmeraClient(key, new.base_url, os=new.os) as client:
        try:
            with err.status("checking the API key (app/profile-attributes)"):
                facts = read_app(client)
            written = create_stack(cli, root, new, key, facts)
        except InitError as exc:
            raise _fail(f"init: {exc}") from None
        typer.echo(f"created stack {stack!r}: {', '.join(written)}")
        typer.echo(f"  its schema: the app's {len(facts.attributes)} attribute(s); trim it to manage fewer")
        segments, users = list(adopt_segment or []), list(adopt_user or [])
        if not segments and not users and facts.segments:
            typer.echo("segments whose users `netmera-iac adopt` can bring under management:")
            typer.echo("\n".join(segment_offer(facts.segments)))
            if terminal:
                answer = typer.prompt("Adopt which segments now? (names or ids, comma-separated)", default="")
                segments = [s.strip() for s in answer.split(",") if s.strip()]
        if segments or users:
            folder = root / "stacks" / stack
            try:
                adoption = read_live(client, users, segments, [], folder, root / "schemas")
                adopted = write_adoption(adoption, folder, force=False)
            except (NetmeraError, ValueError, FileExistsError) as exc:
                raise _fail(f"init: adopt: {exc}") from None
            typer.echo(f"adopted {len(adoption.users)} user(s) into {', '.join(adopted) or 'no file'}")
            for skipped in adoption.skipped:
                typer.echo(f"  not adopted: {skipped}")
        else:
            typer.echo(f"to adopt what Netmera reads back: netmera-iac adopt --stack {stack} --segment NAME")
    typer.echo(f"next: netmera-iac plan --stack {stack}, review it, then pulumi up --stack {stack}")


@app.command()
def plan(
    stack: StackOption = "demo",
    project: ProjectOption = Path("."),
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Also write the Markdown summary here")
    ] = None,
    save_plan: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Save Pulumi's update plan for `apply --plan`")
    ] = None,
    max_ids: Annotated[
        int, typer.Option(metavar="N", help="Ids listed per change (counts are always complete)")
    ] = 20,
    policy_pack: Annotated[
        list[Path] | None, typer.Option(metavar="FOLDER", help="Policy pack folder (repeatable)")
    ] = None,
    policy_pack_config: Annotated[
        list[Path] | None, typer.Option(metavar="FILE", help="Policy config JSON (repeatable)")
    ] = None,
    refresh: RefreshOption = True,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", metavar="", help="Also print Pulumi's own output to stderr")
    ] = False,
) -> None:
    """Preview a stack and write a Markdown summary per resource; exits 1 if a guard or policy fired.

    A refused preview prints only its problems, one line each, grouped by file (--out keeps them all)."""
    from .workflow.pulumi_cli import flags
    from .workflow.summary import refusal, to_markdown

    cli = _cli(stack, project)
    extra = flags(
        refresh=refresh,
        save_plan=str(save_plan.resolve()) if save_plan else None,
        policy_pack=[str(p.resolve()) for p in policy_pack or []],
        policy_pack_config=[str(p.resolve()) for p in policy_pack_config or []],
    )
    code, summary = _summary_run(cli, "plan", f"pulumi preview ({stack})", *extra, verbose=verbose)
    markdown = to_markdown(summary, stack, max_ids)
    if out:
        out.write_text(markdown, encoding="utf-8")
    if summary.problems:
        typer.echo(refusal(summary, stack, 1))
        raise typer.Exit(1)
    typer.echo(markdown)
    if code != 0:
        raise typer.Exit(1)


@app.command()
def apply(
    plan_file: Annotated[
        Path, typer.Option("--plan", metavar="FILE", help="A plan saved by `netmera-iac plan --save-plan`")
    ],
    stack: StackOption = "demo",
    project: ProjectOption = Path("."),
    refresh: RefreshOption = True,
    message: Annotated[
        str | None, typer.Option("--message", "-m", metavar="TEXT", help="Recorded in the stack's history")
    ] = None,
) -> None:
    """Apply exactly what a saved plan contains; refused if the desired or live state moved since."""
    if not plan_file.is_file():
        raise _fail(f"{plan_file}: no such plan file")
    from .workflow.pulumi_cli import flags

    cli = _cli(stack, project)
    args = ["up", "--yes", "--plan", str(plan_file.resolve()), *flags(refresh=refresh, message=message)]
    with err.status(f"pulumi up --plan ({stack})"):
        result = cli.run(*args, extra_env={"PULUMI_EXPERIMENTAL": "true"})
    typer.echo(result.stdout)
    if result.returncode != 0:
        moved = "violates plan" in result.stdout + result.stderr
        raise _fail(
            "refused: the stack no longer matches the saved plan; run `netmera-iac plan` again and review it"
            if moved
            else f"pulumi up failed (exit {result.returncode})\n{result.stderr.strip()}"
        )


@app.command()
def drift(
    stack: StackOption = "demo",
    project: ProjectOption = Path("."),
    out: Annotated[
        Path | None, typer.Option(metavar="FILE", help="Also write the Markdown summary here")
    ] = None,
    max_ids: Annotated[int, typer.Option(metavar="N", help="Ids listed per change")] = 20,
    sample: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Read N random users per resource instead of all (one read per user: for large audiences)",
        ),
    ] = None,
) -> None:
    """Read live state and compare it with the desired state; exits 1 with a summary on drift."""
    from .adapters.sampling import SAMPLE_SETTING
    from .workflow.summary import to_markdown

    cli = _cli(stack, project)
    if sample is not None:  # the providers' reads take it from the environment (adapters/sampling.py)
        cli = dataclasses.replace(cli, env={**cli.env, SAMPLE_SETTING: str(sample)})
    code, summary = _summary_run(cli, "drift", f"pulumi preview --refresh ({stack})", "--refresh")
    markdown = to_markdown(summary, stack, max_ids, title="drift")
    if sample is not None:
        markdown += (
            f"\n_Sampled: {sample} random user(s) per resource were read; users not read were not "
            "compared (their last recorded values stand)._\n"
        )
    if out:
        out.write_text(markdown, encoding="utf-8")
    if summary.changed or summary.problems or code != 0:
        typer.echo(markdown)
        raise typer.Exit(1)
    among = f" among {sample} sampled user(s) per resource" if sample is not None else ""
    typer.echo(f"no drift{among}: the live state of stack {stack!r} matches its desired state")


@app.command()
def history(stack: StackOption = "demo", project: ProjectOption = Path(".")) -> None:
    """The stack's updates, numbered as `rollback --to` takes them."""
    updates = _cli(stack, project).history()
    # Version, time and counts are never cut (at 80 columns too); the message folds instead.
    table = Table(
        Column("version", no_wrap=True),
        Column("kind", no_wrap=True),
        Column("result", no_wrap=True),
        Column("started (UTC)", no_wrap=True),
        Column("changes", overflow="fold"),
        Column("message", overflow="fold", ratio=1),
    )
    for u in updates:
        changes = ", ".join(f"{k} {v}" for k, v in sorted(u.changes.items()) if k != "same" and v)
        started = u.start_time.replace("T", " ").removesuffix("Z").removesuffix("+00:00")
        table.add_row(str(u.version), u.kind, u.result, started, changes or "—", u.message[:60])
    Console().print(table)


@app.command()
def rollback(
    to: Annotated[
        int,
        typer.Option("--to", metavar="VERSION", help="The version (see `netmera-iac history`) to restore"),
    ],
    stack: StackOption = "demo",
    project: ProjectOption = Path("."),
    dry_run: Annotated[
        bool, typer.Option(metavar="", help="Restore the files and preview, but do not apply")
    ] = False,
) -> None:
    """Restore the desired state recorded for an earlier update and apply it, subject to every guard.

    Users who opted out since that version stay opted out (the consent guard) and are named."""
    from .engine import DesiredStateError
    from .engine.errors import RecordError
    from .workflow.pulumi_cli import PulumiError
    from .workflow.rollback import apply_rollback_files, prepare_rollback

    root = project.resolve()
    cli = _cli(stack, root)
    try:
        with err.status(f"reading version {to} of {stack}"):
            restored = prepare_rollback(cli, to, root / "schemas")
    except (RecordError, DesiredStateError, PulumiError) as exc:
        raise _fail(f"rollback to version {to}: {exc}") from None
    typer.echo(restored.describe())
    changed = apply_rollback_files(restored, root / "stacks" / stack)
    typer.echo(f"restored into stacks/{stack}/: {', '.join(changed) or 'nothing changed'}")
    args = ["preview"] if dry_run else ["up", "--yes", "--message", f"netmera-iac rollback to version {to}"]
    with err.status(f"pulumi {args[0]} ({stack})"):
        result = cli.run(*args, "--refresh")
    typer.echo(result.stdout)
    if result.returncode != 0:
        raise _fail(f"rollback refused by a guard or failed:\n{result.stderr.strip()}")


@app.command()
def adopt(
    stack: StackOption = "demo",
    project: ProjectOption = Path("."),
    user: Annotated[
        list[str] | None, typer.Option(metavar="ID", help="External id to adopt (repeatable)")
    ] = None,
    segment: Annotated[
        list[str] | None,
        typer.Option(metavar="SEGMENT", help="Segment name or id whose users to adopt (repeatable)"),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(metavar="CATEGORY", help="Category whose preferences to adopt (repeatable)"),
    ] = None,
    force: Annotated[bool, typer.Option(metavar="", help="Overwrite existing desired-state files")] = False,
) -> None:
    """Write desired-state files reproducing what Netmera can read back, so `pulumi up` changes nothing."""
    from .client import NetmeraClient, NetmeraError, resolve_connection
    from .workflow.adopt import adopt as read_live
    from .workflow.adopt import write_adoption

    root = project.resolve()
    cli = _cli(stack, root)

    def config(key: str) -> str | None:
        result = cli.run("config", "get", key)
        return result.stdout.strip() if result.returncode == 0 else None

    def progress(items: Iterable[str], label: str) -> Iterable[str]:
        return track(list(items), description=f"reading {label}", console=err, transient=True)

    try:
        connection = resolve_connection(config)
    except NetmeraError as exc:
        raise _fail(f"adopt: {exc}") from None
    with NetmeraClient(connection.api_key, connection.base_url, os=connection.os) as client:
        try:
            adoption = read_live(
                client,
                user or [],
                segment or [],
                category or [],
                root / "stacks" / stack,
                root / "schemas",
                progress,
            )
        except (NetmeraError, ValueError) as exc:
            raise _fail(f"adopt: {exc}") from None
    try:
        written = write_adoption(adoption, root / "stacks" / stack, force)
    except FileExistsError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        json.dumps(
            {"users": len(adoption.users), "written": written, "not adopted": adoption.skipped}, indent=2
        )
    )
    typer.echo(
        f"next: review stacks/{stack}/, then `pulumi up --stack {stack}` sends nothing for what was adopted"
    )


@app.command()
def migrate(
    stack: StackOption = "demo",
    project: ProjectOption = Path("."),
    dry_run: Annotated[
        bool, typer.Option(metavar="", help="Show what would be merged; change nothing")
    ] = False,
) -> None:
    """Merge the shard resources of a stack applied by an earlier version into one resource each.

    Changes only the stack's state (export, merge, import); sends nothing to Netmera."""
    import tempfile

    from .workflow.migrate import MigrationError, merge_shards
    from .workflow.pulumi_cli import PulumiError

    cli = _cli(stack, project)
    try:
        exported = cli.export()
        migration = merge_shards(exported.get("deployment") or {})
    except (MigrationError, PulumiError) as exc:
        raise _fail(f"migrate: {exc}") from None
    typer.echo(migration.describe())
    if dry_run or not migration.changed:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deployment.json"
        path.write_text(json.dumps({**exported, "deployment": migration.deployment}), encoding="utf-8")
        result = cli.run("stack", "import", "--file", str(path))
    if result.returncode != 0:
        raise _fail(f"migrate: pulumi stack import failed: {result.stderr.strip()}")
    typer.echo(
        f"next: `pulumi preview --stack {stack}` shows no user changes; `pulumi up` stores the new format"
    )


@emulator_app.command("serve")
def emulator_serve(
    port: Annotated[int, typer.Option(metavar="PORT", help="TCP port to listen on")] = 8890,
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Interface to bind (keep it local)")
    ] = "127.0.0.1",
    db: Annotated[str, typer.Option(metavar="FILE", help="SQLite file, or :memory:")] = str(
        Path(".netmera") / "emulator.db"
    ),
    fixture: Annotated[
        str,
        typer.Option(metavar="NAME|FILE", help="Fixture name (demo) or YAML path, loaded into an empty db"),
    ] = "demo",
    answers: Annotated[
        str,
        typer.Option(
            metavar="SHAPE", help="Shape of read answers: documented, or alternative (emulator/shapes.py)"
        ),
    ] = "documented",
) -> None:
    """Serve the emulator until interrupted; prints the base URL and the demo key."""
    from .emulator.server import DEMO_API_KEY, serve
    from .emulator.shapes import SHAPES
    from .models import BASE_PATH

    typer.echo(f"Netmera emulator: base URL http://{host}:{port}{BASE_PATH}")
    if fixture == "demo":
        typer.echo(f"demo API key (public, emulator only): {DEMO_API_KEY}")
    if answers not in SHAPES:
        raise _fail(f"--answers: one of {', '.join(SHAPES)} (value: {answers!r})")
    typer.echo(f"state: {db}", err=True)
    serve(host, port, db, fixture, answers)


if __name__ == "__main__":
    app()
