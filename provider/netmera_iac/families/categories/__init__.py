"""Category preferences: which users are opted in or out of a category (and channel)."""

from ...engine.family import Family
from . import desired, summary

FAMILY = Family(
    name="categories",
    files=(desired.FILE,),
    parse=desired.parse,
    types=("CategoryPreferences",),
    summarise=summary.summarise,
    register=f"{__name__}.register",
)
