"""Push approvals: push messages approved once each."""

from ...engine.family import Family
from ...engine.preview import one_shot
from . import desired

FAMILY = Family(
    name="approvals",
    files=(desired.FILE,),
    parse=desired.parse,
    types=("PushApproval",),
    summarise=one_shot,
    register=f"{__name__}.register",
)
