"""Contact addresses: each user's email address and MSISDN."""

from ...engine.family import Family
from . import desired, summary

FAMILY = Family(
    name=desired.NAME,
    files=(desired.FILE,),
    parse=desired.parse,
    types=("ContactInfo",),
    summarise=summary.summarise,
    register=f"{__name__}.register",
    check=desired.cleared_numbers_opted_in,
)
