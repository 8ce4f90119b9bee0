"""Tags: which users carry a tag (authoritative memberships, additive assignments, exclusions)."""

from ...engine.family import Family
from . import desired, summary

FAMILY = Family(
    name="tags",
    files=(desired.FILE,),
    parse=desired.parse,
    types=desired.TYPES,
    summarise=summary.summarise,
    register=f"{__name__}.register",
)
