"""The label calibration learns from: converted, not, or unknown, read from what sales and the
CRM recorded (stage, deals, lead status, recycle marker, idleness). None of these is ever a
feature (`features.py` runs only the score and fit rules)."""

from datetime import datetime, timedelta

from pydantic import Field

from connector.domain import Value
from connector.domain.contact import Contact, DealStatus
from connector.domain.stages import LifecycleStage, SalesStatus

SUCCESS_STATUSES = (SalesStatus.QUALIFIED,)
FAILURE_STATUSES = (SalesStatus.REJECTED, SalesStatus.DISQUALIFIED, SalesStatus.NURTURE)


class OutcomeRules(Value):
    """What counts as converted and as not; everyone else (a lead still being worked) is left
    out. Success: `success_from` or beyond, a qualified lead status, an open or won deal; failure:
    rejected, disqualified or nurtured by sales, `other`, recycled, `idle_days` without activity."""

    success_from: LifecycleStage = LifecycleStage.SQL
    idle_days: int | None = Field(default=90, ge=0)  # None: idleness is unknown

    def outcome(
        self, contact: Contact, last_activity: datetime | None, now: datetime
    ) -> bool | None:
        stage = contact.lifecycle_stage
        success_rank = self.success_from.rank or 0
        if stage is not None and stage.rank is not None and stage.rank >= success_rank:
            return True
        if contact.sales_status in SUCCESS_STATUSES or any(
            deal.status in (DealStatus.OPEN, DealStatus.WON) for deal in contact.deals
        ):
            return True
        if contact.sales_status in FAILURE_STATUSES or stage == LifecycleStage.OTHER:
            return False
        if contact.recycled_at is not None:
            return False
        if self.idle_days is not None:
            moments = [moment for moment in (last_activity, contact.created_at) if moment]
            last = max(moments, default=None)
            if last is not None and now - last >= timedelta(days=self.idle_days):
                return False
        return None
