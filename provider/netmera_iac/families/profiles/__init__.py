"""Profile attributes: values per user, additive array values, retired attributes and values."""

from ...engine.family import Family
from . import desired, schema, summary

FAMILY = Family(
    name="profiles",
    files=(desired.FILE,),
    companions=(schema.ATTRIBUTE_SCHEMA,),
    parse=desired.parse,
    types=("ProfileAttributes", "ProfileArrayValues", "ProfileAttributeRetirement"),
    summarise=summary.summarise,
    register=f"{__name__}.register",
)
