"""The family-independent core, plain Python (no Pulumi imports): plans and their execution, guards,
the encoding of per-user collections, the desired-state loader, the journal. Each family's own
planning lives in its package (families/)."""

from . import codec
from .desired import MAX_IDS_PER_RESOURCE, DesiredState
from .errors import DesiredStateError, GuardViolation, NetmeraIacError
from .execute import PartialApplyError, Progress, execute, execute_tracked
from .guards import Claim, GuardSettings, empty_set, mass_change, overlaps
from .plan import OPTED_IN, OPTED_OUT, Operation, Plan, Preference, abbreviate

__all__ = [
    "MAX_IDS_PER_RESOURCE",
    "OPTED_IN",
    "OPTED_OUT",
    "Claim",
    "DesiredState",
    "DesiredStateError",
    "GuardSettings",
    "GuardViolation",
    "NetmeraIacError",
    "Operation",
    "PartialApplyError",
    "Plan",
    "Preference",
    "Progress",
    "abbreviate",
    "codec",
    "empty_set",
    "execute",
    "execute_tracked",
    "mass_change",
    "overlaps",
]
