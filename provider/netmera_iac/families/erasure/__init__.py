"""Erasure: users deleted permanently, once each."""

from ...engine.family import Family
from ...engine.preview import one_shot
from . import desired

FAMILY = Family(
    name=desired.NAME,
    files=(desired.FILE,),
    parse=desired.parse,
    types=("UserErasure",),
    summarise=one_shot,
    register=f"{__name__}.register",
    check=desired.erasing_managed_users,
)
