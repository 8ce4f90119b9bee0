"""Profile attributes: values per user, additive array values, retired attributes and values."""

from ...engine.family import Family
from . import desired, summary

FAMILY = Family(
    name="profiles",
    files=(desired.FILE,),
    parse=desired.parse,
    types=("ProfileAttributes", "ProfileArrayValues", "ProfileAttributeRetirement"),
    summarise=summary.summarise,
    register=f"{__name__}.register",
)
