"""The product's one error tree: what netmera-iac itself refuses or finds, apart from the client's
(client/errors.py, whose `NetmeraError` reports what Netmera or the network did).

    NetmeraIacError
    ├── DesiredStateError           the desired state is invalid: every problem as `file: path: problem`
    ├── GuardViolation              a guard refused a change (mass change, empty set, resource removal)
    │   └── ConsentBlocked          an opt-in for someone the ledger says opted out, without later
    │                               evidence (families/consent/ledger.py)
    ├── VerificationError           Netmera answered 200 but does not read back what was sent
    │   └── ProfileVerificationError   dropped profile values (families/profiles/resource.py)
    ├── PartialApplyError           a plan failed part-way; says what was applied (engine/execute.py;
    │                               also a `NetmeraError`: it carries the client's error as `cause`)
    ├── RecordError                 a recorded desired state cannot be read or rebuilt (rollback)
    ├── QueryError                  an entry's query failed or timed out (engine/sources.py; it
    │   │                           becomes a problem of the desired state, never raised past it)
    │   └── SourceUnreachable       a source's database cannot be opened: said once per source
    ├── CodecError                  an id that cannot be encoded, a value that cannot be decoded
    │                               (engine/codec.py; also a `ValueError`)
    ├── ProfileSchemaError          the managed-attribute schema itself is unusable
    │                               (families/profiles/schema.py)
    ├── ReadError                   a read in the program cannot be answered as asked, e.g. no segment
    │                               of that name (reads.py; also a `ValueError`)
    ├── PulumiError                 the Pulumi CLI is missing or failed (workflow/pulumi_cli.py)
    ├── InitError                   a new stack cannot be created as asked; nothing is left behind
    │                               (workflow/init.py)
    ├── BackendError                the stack's backend (a folder, bucket or database) cannot be read
    │   │                           or written: the journal, old checkpoints (backends/)
    │   └── JournalSettingError     no place for the journal, or `netmera-iac:journal` is unusable
    ├── MigrationError              a legacy state cannot be migrated (workflow/migrate.py)
    └── NotHandedOut                the provider host was asked for a request field it did not keep
                                    (adapters/lean.py; also a `RuntimeError`)

Each message names what to change (the file and value, the flag that allows a change on purpose),
and none carries the API key.
"""

from __future__ import annotations

MAX_SHOWN_PROBLEMS = 25


class NetmeraIacError(Exception):
    """Base of every error netmera-iac itself raises."""


class DesiredStateError(NetmeraIacError):
    """The desired state is invalid; the message lists every problem as `file: path: problem`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:MAX_SHOWN_PROBLEMS]
        more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__("invalid desired state:\n  " + "\n  ".join(shown) + more)


class GuardViolation(NetmeraIacError):
    """A guard fired. The message says what, why, and how to allow it on purpose."""


class VerificationError(NetmeraIacError):
    """What was sent and answered 200 does not read back."""


class RecordError(NetmeraIacError):
    """A recorded desired state cannot be read (missing, unknown format, or corrupted)."""


class QueryError(NetmeraIacError):
    """The message is one line, scrubbed of the source's password."""


class SourceUnreachable(QueryError):
    pass


class BackendError(NetmeraIacError):
    """The stack's backend cannot be read or written. `where` names it without a password."""

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"the stack's backend {where}: {reason}")


class JournalSettingError(BackendError):
    """Where the journal goes cannot be decided: a service backend without `netmera-iac:journal`,
    or a `netmera-iac:journal` that is no backend URL netmera-iac can write to."""


class CodecError(NetmeraIacError, ValueError):
    """A collection cannot be encoded (an id with a line break or tab) or a value cannot be decoded."""
