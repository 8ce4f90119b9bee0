"""Consent: push, email and SMS permission, with a ledger that keeps opted-out users opted out."""

from ...engine.family import Family
from . import desired, rollback, summary

FAMILY = Family(
    name=desired.NAME,
    files=(desired.FILE,),
    parse=desired.parse,
    types=tuple(desired.TYPES.values()),
    summarise=summary.summarise,
    register=f"{__name__}.register",
    after=("contacts",),
    rollback=rollback.rollback,
)
