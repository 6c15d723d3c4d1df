"""Lifecycle stages and their order.

The funnel is ordered so "forward only" can be checked with a comparison; `other` sits outside
the funnel (where disqualified contacts go), which is why it has no rank.
"""

from enum import StrEnum


class LifecycleStage(StrEnum):
    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    EVANGELIST = "evangelist"
    OTHER = "other"

    @property
    def rank(self) -> int | None:
        """Position in the funnel; None for `other`, which is off the funnel."""
        return FUNNEL_RANK.get(self)

    def is_before(self, other: "LifecycleStage") -> bool:
        """True when `other` lies strictly further down the funnel than this stage."""
        mine, theirs = self.rank, other.rank
        return mine is not None and theirs is not None and mine < theirs


#: The funnel in order (every stage but `other`) and each one's position, by stage or value.
FUNNEL: tuple[LifecycleStage, ...] = tuple(s for s in LifecycleStage if s != LifecycleStage.OTHER)
FUNNEL_RANK: dict[str, int] = {stage: index for index, stage in enumerate(FUNNEL)}


class SalesStatus(StrEnum):
    """What sales said about a lead, whatever picklist value the CRM uses for it.

    The mapping files translate each CRM's lead-status values into these so the lifecycle rules
    never depend on one CRM's vocabulary.
    """

    NEW = "new"
    WORKING = "working"
    QUALIFIED = "qualified"
    REJECTED = "rejected"
    NURTURE = "nurture"
    DISQUALIFIED = "disqualified"
